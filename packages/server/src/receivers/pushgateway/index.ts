import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StellwerkError } from '../../errors.ts';
import type { MetricsIngest } from '../../pipeline/metrics-ingest.ts';
import { ExpositionError, formatOf, parseExposition } from '../exposition/parse.ts';
import type { MetricsReceiverOptions } from '../metrics-receiver.ts';
import { PushGroups, type PushGroupsPersistence } from './groups.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const BASE64 = /^[A-Za-z0-9_\-+/]*={0,2}$/;

/**
 * The groups of each running app, found by its ingest path. Tests use it to write a group's
 * values at a chosen time instead of waiting out the refresh timer.
 */
const byIngest = new WeakMap<MetricsIngest, PushGroups>();
export function pushGroupsOf(ingest: MetricsIngest): PushGroups | undefined {
  return byIngest.get(ingest);
}

/**
 * Pushgateway-style push: PUT/POST/DELETE /metrics/job/<job>{/<label>/<value>}. Answers as the
 * Pushgateway does (200 for PUT/POST, 202 for DELETE, 400 + a plain-text reason), because its
 * clients (prometheus_client, prom-client) only look at `status < 400`.
 */
export async function pushgatewayReceiver(
  app: FastifyInstance,
  options: MetricsReceiverOptions & { pushGroups?: PushGroupsPersistence },
): Promise<void> {
  const groups = new PushGroups(options.ingest, app.log, undefined, options.pushGroups);
  // The store is migrated before the app is built; groups pushed before a restart resume here.
  if (options.pushGroups) groups.load(await options.pushGroups.loadAll());
  byIngest.set(options.ingest, groups);
  groups.start();
  app.addHook('onClose', async () => groups.stop());
  if (options.pushGroups) {
    // Restored groups may be past the lookback already; write them now rather than in a minute.
    app.addHook('onReady', async () => {
      if (groups.size > 0)
        await groups.refresh(Date.now()).catch((err) => app.log.warn({ err }, 'pushgateway: re-writing groups failed'));
    });
  }

  // Clients send text without a Content-Type (prom-client) or as text/plain; take any body raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));

  const handlePush = (replace: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const grouping = parseGroupingPath(req.url);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const contentType = req.headers['content-type'];
    if (contentType && /application\/vnd\.google\.protobuf/i.test(contentType)) {
      throw new StellwerkError(
        'STW_ERR_UNSUPPORTED_MEDIA_TYPE',
        'The protobuf push format is not supported; push the text format (text/plain; version=0.0.4).',
      );
    }
    const now = Date.now();
    let parsed: ReturnType<typeof parseExposition>;
    try {
      const body = await options.decode(raw, req.headers['content-encoding']);
      parsed = parseExposition(body.toString('utf8'), formatOf(contentType));
      const timed = parsed.samples.find((s) => s.tsMs !== undefined);
      if (timed) {
        // The Pushgateway refuses timestamps: a pushed value is "now" until replaced.
        throw new StellwerkError(
          'STW_ERR_BAD_REQUEST',
          `pushed metrics must not have timestamps (${timed.metric} has one)`,
        );
      }
    } catch (err) {
      await groups.failed(grouping, now).catch(() => {});
      if (err instanceof ExpositionError) {
        throw new StellwerkError('STW_ERR_BAD_REQUEST', `text format parsing error in ${err.message}`);
      }
      throw err;
    }
    const result = await groups.push(grouping, parsed.samples, parsed.metadata, replace, now);
    if (result.errors.length > 0) {
      throw new StellwerkError(
        'STW_ERR_INVALID_RECORD',
        `${result.errors.length} sample(s) rejected, the first: ${result.errors[0]}; the other ${result.accepted} were stored.`,
      );
    }
    return reply.status(200).send();
  };

  const route = { config: { scope: 'ingest' as const }, bodyLimit: options.maxBodyBytes };
  for (const prefix of ['/metrics/job/*', '/metrics/job@base64/*']) {
    app.put(prefix, route, handlePush(true));
    app.post(prefix, route, handlePush(false));
    app.delete(prefix, route, async (req, reply) => {
      await groups.delete(parseGroupingPath(req.url), Date.now());
      return reply.status(202).send();
    });
  }
  // The Pushgateway's own API lists groups; a simplified form helps to see what is held.
  app.get('/api/v1/pushgateway/groups', { config: { scope: 'read' } }, async () => ({
    status: 'success',
    data: groups.list(),
  }));
}

/**
 * `/metrics/job/<job>{/<label>/<value>}` from the raw URL: split first, then percent-decode,
 * so a `%2F` inside a value (prom-client's encodeURIComponent) stays part of the value.
 * `<label>@base64/<b64url>` carries values with `/` or empty values (prometheus_client).
 */
export function parseGroupingPath(url: string): Record<string, string> {
  const path = url.split('?')[0] ?? '';
  const parts = path.replace(/^\/metrics\/?/, '').split('/');
  if (parts[parts.length - 1] === '') parts.pop();
  if (parts.length % 2 !== 0) {
    throw new StellwerkError(
      'STW_ERR_BAD_REQUEST',
      `odd number of path segments in ${path}: expected /<label>/<value> pairs`,
    );
  }
  const grouping: Record<string, string> = {};
  for (let i = 0; i < parts.length; i += 2) {
    let name = decode(parts[i] as string);
    let value = decode(parts[i + 1] as string);
    if (name.endsWith('@base64')) {
      name = name.slice(0, -'@base64'.length);
      if (!BASE64.test(value))
        throw new StellwerkError('STW_ERR_BAD_REQUEST', `invalid base64 value for label ${name}`);
      value = Buffer.from(value.replace(/=+$/, ''), 'base64url').toString('utf8');
    }
    if (i === 0 && name !== 'job')
      throw new StellwerkError('STW_ERR_BAD_REQUEST', 'the path must start with /metrics/job/<job>');
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', `improper label name "${name}" in the grouping key`);
    }
    if (Object.hasOwn(grouping, name)) {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', `label ${name} appears twice in the grouping key`);
    }
    // An empty value means "no such label", as everywhere in Prometheus; the job must be set.
    if (value === '') {
      if (name === 'job') throw new StellwerkError('STW_ERR_BAD_REQUEST', 'job name is required');
      continue;
    }
    grouping[name] = value;
  }
  return grouping;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new StellwerkError('STW_ERR_BAD_REQUEST', `invalid percent-encoding in "${segment}"`);
  }
}

/** Plain text, as the Pushgateway answers; clients print it in their exception. */
function sendError(req: FastifyRequest, reply: FastifyReply, thrown: unknown): FastifyReply {
  let err: StellwerkError;
  if (thrown instanceof StellwerkError) err = thrown;
  else {
    const fe = thrown as FastifyError;
    if (fe?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') err = new StellwerkError('STW_ERR_BODY_TOO_LARGE', fe.message);
    else if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
      err = new StellwerkError('STW_ERR_BAD_REQUEST', fe.message);
    else {
      req.log.error({ err: thrown }, 'pushgateway: internal error');
      err = new StellwerkError('STW_ERR_INTERNAL', 'Internal error; the Stellwerk server log has the details.');
    }
  }
  if (err.extra.retryAfterSec !== undefined) reply.header('retry-after', String(err.extra.retryAfterSec));
  return reply.status(err.status).type('text/plain; charset=utf-8').send(`${err.code}: ${err.detail}\n`);
}
