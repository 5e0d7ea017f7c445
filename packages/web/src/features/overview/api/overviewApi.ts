import { getJson } from '../../../shared/api/client.ts';

export interface Health {
  status: string;
  [detail: string]: unknown;
}

export const fetchHealth = (signal?: AbortSignal) => getJson<Health>('/healthz', signal);

/** Configured retention per data kind (`{ logs: '30d' }`); `applied` is what the store enforces now. */
export interface Retention {
  logs: string;
  applied?: Record<string, string | null>;
  [kind: string]: unknown;
}

export const fetchRetention = (signal?: AbortSignal) => getJson<Retention>('/api/v1/settings/retention', signal);
