import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { extractCredential, TokenAuthority } from './auth.ts';

const req = (headers: Record<string, string>, query: Record<string, string> = {}) =>
  ({ headers, query }) as unknown as FastifyRequest;

describe('extractCredential', () => {
  it.each([
    [{ authorization: 'Bearer abc' }, {}, 'abc'],
    [{ authorization: `Basic ${Buffer.from('user:tok').toString('base64')}` }, {}, 'tok'],
    [{ authorization: `Basic ${Buffer.from('tok:').toString('base64')}` }, {}, 'tok'],
    [{ authorization: 'Token tok' }, {}, 'tok'],
    [{ authorization: 'Token user:tok' }, {}, 'tok'],
    [{}, { u: 'user', p: 'tok' }, 'tok'],
    [{}, {}, null],
  ])('%j %j → %s', (headers, query, expected) => {
    expect(extractCredential(req(headers, query))).toBe(expected);
  });
});

describe('TokenAuthority', () => {
  const authority = new TokenAuthority({
    tokens: [
      { name: 'shipper', token: 'ingest-token-0123456789', scopes: ['ingest'] },
      { name: 'ops', token: 'admin-token-0123456789', scopes: ['admin'] },
    ],
  });
  it('401 without or with a wrong token, 403 for a missing scope', () => {
    expect(() => authority.check(req({}), 'read')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => authority.check(req({ authorization: 'Bearer nope' }), 'read')).toThrow(
      expect.objectContaining({ status: 401 }),
    );
    expect(() => authority.check(req({ authorization: 'Bearer ingest-token-0123456789' }), 'read')).toThrow(
      expect.objectContaining({ status: 403, code: 'STW_ERR_FORBIDDEN' }),
    );
  });
  it('admin covers every scope', () => {
    expect(authority.check(req({ authorization: 'Bearer admin-token-0123456789' }), 'read').name).toBe('ops');
  });
});
