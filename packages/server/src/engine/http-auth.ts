import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * The engine listens on 127.0.0.1, which every local user can reach; a password made at
 * each start and known only to the parent keeps them out. Accepts the three ways
 * ClickHouse takes credentials: Basic auth (what @clickhouse/client sends), the
 * X-ClickHouse-User/-Key headers, and user/password URL parameters.
 */
export function presentedCredentials(req: IncomingMessage, url: URL): Credentials | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice('Basic '.length), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const headerUser = req.headers['x-clickhouse-user'];
  const headerKey = req.headers['x-clickhouse-key'];
  if (typeof headerUser === 'string' && typeof headerKey === 'string') {
    return { username: headerUser, password: headerKey };
  }
  const user = url.searchParams.get('user');
  const password = url.searchParams.get('password');
  if (user !== null && password !== null) return { username: user, password };
  return null;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function isAuthorized(req: IncomingMessage, url: URL, expected: Credentials): boolean {
  const given = presentedCredentials(req, url);
  if (!given) return false;
  // Compare digests so neither content nor length leaks through timing.
  const userOk = timingSafeEqual(digest(given.username), digest(expected.username));
  const passwordOk = timingSafeEqual(digest(given.password), digest(expected.password));
  return userOk && passwordOk;
}
