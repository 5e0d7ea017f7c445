import type { FastifyRequest } from 'fastify';
import { StellwerkError } from '../../errors.ts';
import { parseProtoJsonDouble } from '../../proto-double.ts';
import { decodePageToken, encodePageToken } from '../page-token.ts';

/**
 * Reading MLflow request messages: JSON bodies for POST, query strings for GET (where every
 * value is a string and repeated fields repeat the parameter). Protobuf's JSON mapping lets
 * int64 fields arrive as numbers or decimal strings, so both are taken.
 */
export type Message = Record<string, unknown>;

export function messageOf(req: FastifyRequest): Message {
  const source = req.method === 'GET' ? req.query : req.body;
  if (source === undefined || source === null) return {};
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw invalid('The request body must be a JSON object.');
  }
  return source as Message;
}

export function invalid(message: string): StellwerkError {
  return new StellwerkError('STW_ERR_BAD_REQUEST', message);
}

function missing(name: string): StellwerkError {
  return invalid(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

export function optionalString(m: Message, name: string): string | undefined {
  const v = m[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a string.`);
}

export function requiredString(m: Message, name: string): string {
  const v = optionalString(m, name);
  if (v === undefined || v === '') throw missing(name);
  return v;
}

/** run_id, or run_uuid as older clients (and the npm client, alongside run_id) send it. */
export function runIdOf(m: Message): string {
  const id = optionalString(m, 'run_id') || optionalString(m, 'run_uuid');
  if (!id) throw missing('run_id');
  return id;
}

export function optionalInt(m: Message, name: string): number | undefined {
  const v = m[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected an integer.`);
  }
  return n;
}

export function requiredInt(m: Message, name: string): number {
  const v = optionalInt(m, name);
  if (v === undefined) throw missing(name);
  return v;
}

/** A double: a number, a numeric string, or protobuf's "NaN", "Infinity", "-Infinity". */
export function requiredDouble(m: Message, name: string): number {
  const v = m[name];
  if (v === undefined || v === null || v === '') throw missing(name);
  const n = parseProtoJsonDouble(v);
  if (n !== undefined) return n;
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a number.`);
}

/** A repeated string field: a JSON array, or one or more query parameters. */
export function stringList(m: Message, name: string): string[] {
  const v = m[name];
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number') return String(item);
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a list of strings.`);
  });
}

/** A repeated message field: a JSON array of objects. */
export function messageList(m: Message, name: string): Message[] {
  const v = m[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) {
    throw invalid(`Invalid value for parameter '${name}' supplied: expected a list of objects.`);
  }
  return v as Message[];
}

/** `[{key, value}]` as a map; later entries win. */
export function keyValueMap(m: Message, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of messageList(m, name)) out[requiredString(item, 'key')] = optionalString(item, 'value') ?? '';
  return out;
}

export type ViewType = 'active' | 'deleted' | 'all';

/** ViewType by name or by its protobuf number (1 active, 2 deleted, 3 all). */
export function viewTypeOf(m: Message, name: string): ViewType {
  const v = optionalString(m, name) ?? '';
  switch (v.toUpperCase()) {
    case '':
    case 'ACTIVE_ONLY':
    case '1':
      return 'active';
    case 'DELETED_ONLY':
    case '2':
      return 'deleted';
    case 'ALL':
    case '3':
      return 'all';
  }
  throw invalid(`Invalid value '${v}' for parameter '${name}': use ACTIVE_ONLY, DELETED_ONLY or ALL.`);
}

/** max_results with MLflow's default and ceiling. */
export function maxResultsOf(m: Message, fallback: number, ceiling: number): number {
  const n = optionalInt(m, 'max_results');
  if (n === undefined) return fallback;
  if (n <= 0) throw invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be a positive integer.`);
  if (n > ceiling) {
    throw invalid(`Invalid value for request parameter max_results. It must be at most ${ceiling}, but got value ${n}`);
  }
  return n;
}

export function pageOffsetOf(m: Message): number {
  return decodePageToken(optionalString(m, 'page_token'));
}

/** MLflow's SEARCH_MAX_RESULTS_DEFAULT and SEARCH_MAX_RESULTS_THRESHOLD. */
const SEARCH_DEFAULT = 1000;
const SEARCH_MAX = 50_000;

/** The page a search asks for: max_results (MLflow's default and ceiling) from page_token. */
export function searchPageOf(m: Message): { limit: number; offset: number } {
  return { limit: maxResultsOf(m, SEARCH_DEFAULT, SEARCH_MAX), offset: pageOffsetOf(m) };
}

/** The next_page_token of an answer, present only when more results follow this page. */
export function nextPageOf(offset: number, limit: number, more: boolean): { next_page_token?: string } {
  return more ? { next_page_token: encodePageToken(offset + limit) } : {};
}
