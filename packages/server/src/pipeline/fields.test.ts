import { describe, expect, it } from 'vitest';
import { FieldCollector, inferScalar, keyRole, ROLE_MESSAGE, ROLE_NONE, ROLE_TIME, setAttr } from './fields.ts';

describe('inferScalar', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['-7', -7],
    ['3.25', 3.25],
    ['-0.5', -0.5],
    ['1e3', 1000],
    ['2.5E-3', 0.0025],
    ['9007199254740991', 9007199254740991], // 2^53 - 1: still exact
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
  ])('%s → %j', (text, value) => {
    expect(inferScalar(text)).toBe(value);
  });

  it.each([
    '',
    '007', // an id, not 7
    '-01',
    '00.5',
    '9007199254740993', // beyond 2^53: would lose digits
    '12345678901234567890',
    '1e999', // overflow
    '1.',
    '.5',
    '+5',
    '1_000',
    '0x1f',
    'NaN',
    'Infinity',
    '5ms',
    '1.2.3',
    'tru',
    'yes',
    '1e',
    '1e+',
  ])('%j stays a string', (text) => {
    expect(inferScalar(text)).toBe(text);
  });
});

describe('keyRole', () => {
  it('knows the common keys and ranks message candidates', () => {
    expect(keyRole('time') & 15).toBe(ROLE_TIME);
    expect(keyRole('@timestamp') & 15).toBe(ROLE_TIME);
    expect(keyRole('msg') & 15).toBe(ROLE_MESSAGE);
    expect(keyRole('event') >> 4).toBeGreaterThan(keyRole('msg') >> 4);
    expect(keyRole('user')).toBe(ROLE_NONE);
  });
});

describe('FieldCollector', () => {
  it('keeps the best candidate whatever the key order and demotes the rest', () => {
    const f = new FieldCollector().reset(0);
    f.addValue('event', 'user_login');
    f.addValue('message', 'logged in');
    f.addValue('msg', 'second msg');
    const p = f.finish('json', '');
    expect(p.message).toBe('logged in');
    expect(p.attributes).toEqual({ event: 'user_login', msg: 'second msg' });
  });

  it('keeps an unreadable time as an attribute', () => {
    const f = new FieldCollector().reset(0);
    f.addValue('time', 'yesterday');
    const p = f.finish('json', '');
    expect(p.ts).toBeUndefined();
    expect(p.attributes).toEqual({ time: 'yesterday' });
  });

  it('does not let __proto__ replace the prototype', () => {
    const attrs = {};
    setAttr(attrs, '__proto__', 'x');
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toEqual(['__proto__']);
    expect(JSON.stringify(attrs)).toBe('{"__proto__":"x"}');
  });

  it('starts clean after reset', () => {
    const f = new FieldCollector().reset(0);
    f.addText('msg', 'a', true);
    f.addText('level', 'warn', false);
    f.finish('logfmt', '');
    f.reset(0);
    const p = f.finish('logfmt', 'default');
    expect(p.message).toBe('default');
    expect(p.levelRaw).toBeUndefined();
    expect(p.attributes).toEqual({});
  });
});
