import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config, Scope } from '../config/index.ts';
import { StellwerkError } from '../errors.ts';

/**
 * Finds the credential in whichever form the caller's client sends it: Bearer (native API,
 * OTLP, MLflow's MLFLOW_TRACKING_TOKEN), Basic with the token as password (Prometheus,
 * influx CLI), InfluxDB's `Token` scheme, or InfluxDB 1.x's `u`/`p` query parameters.
 */
export function extractCredential(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (header) {
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer' || scheme === 'token') {
      // InfluxDB v1-compat clients send `Token user:password`.
      const colon = value.indexOf(':');
      return scheme === 'token' && colon >= 0 ? value.slice(colon + 1) : value;
    }
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      return password || (colon < 0 ? decoded : decoded.slice(0, colon));
    }
    return null;
  }
  const query = req.query as Record<string, unknown> | undefined;
  if (query && typeof query.p === 'string') return query.p;
  return null;
}

export class TokenAuthority {
  private readonly tokens: Array<{ name: string; secret: Buffer; scopes: Set<Scope> }>;

  constructor(config: Config['auth']) {
    this.tokens = config.tokens.map((t) => ({ name: t.name, secret: Buffer.from(t.token), scopes: new Set(t.scopes) }));
  }

  get required(): boolean {
    return this.tokens.length > 0;
  }

  /** Resolves the scopes of a request, or throws 401/403 naming what is missing. */
  check(req: FastifyRequest, needed: Scope): { name: string; scopes: Set<Scope> } {
    if (!this.required) return { name: 'anonymous', scopes: new Set(['ingest', 'read', 'admin']) };
    const credential = extractCredential(req);
    if (!credential) {
      throw new StellwerkError(
        'STW_ERR_UNAUTHORIZED',
        'This Stellwerk requires an API token: send `Authorization: Bearer <token>`.',
      );
    }
    const given = Buffer.from(credential);
    const match = this.tokens.find((t) => t.secret.length === given.length && timingSafeEqual(t.secret, given));
    if (!match) throw new StellwerkError('STW_ERR_UNAUTHORIZED', 'The API token is not valid; check it in the config.');
    if (!match.scopes.has(needed) && !match.scopes.has('admin')) {
      throw new StellwerkError(
        'STW_ERR_FORBIDDEN',
        `Token "${match.name}" lacks the "${needed}" scope this endpoint needs; use a token with that scope.`,
      );
    }
    return { name: match.name, scopes: match.scopes };
  }
}
