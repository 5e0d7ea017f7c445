import { extname, posix } from 'node:path';
import type { FastifyReply } from 'fastify';
import { StellwerkError } from '../errors.ts';
import type { ArtifactStore } from '../store/artifact-store.ts';

/**
 * Sends one artifact file with a content type from its name. Images, text and JSON go
 * `inline` so the UI can show them; everything else downloads. A sandbox CSP and nosniff
 * keep an uploaded file (an SVG with a script, say) from running in Stellwerk's origin.
 */

interface MediaType {
  type: string;
  inline: boolean;
}

const TEXT = 'text/plain; charset=utf-8';
const BY_EXTENSION: Record<string, MediaType> = {
  '.png': { type: 'image/png', inline: true },
  '.jpg': { type: 'image/jpeg', inline: true },
  '.jpeg': { type: 'image/jpeg', inline: true },
  '.gif': { type: 'image/gif', inline: true },
  '.webp': { type: 'image/webp', inline: true },
  '.bmp': { type: 'image/bmp', inline: true },
  '.svg': { type: 'image/svg+xml', inline: true },
  '.json': { type: 'application/json', inline: true },
  '.csv': { type: 'text/csv; charset=utf-8', inline: true },
  '.tsv': { type: 'text/tab-separated-values; charset=utf-8', inline: true },
  '.txt': { type: TEXT, inline: true },
  '.log': { type: TEXT, inline: true },
  '.md': { type: TEXT, inline: true },
  '.yaml': { type: TEXT, inline: true },
  '.yml': { type: TEXT, inline: true },
  '.toml': { type: TEXT, inline: true },
  '.ini': { type: TEXT, inline: true },
  '.cfg': { type: TEXT, inline: true },
  '.py': { type: TEXT, inline: true },
  '.sh': { type: TEXT, inline: true },
  '.jsonl': { type: TEXT, inline: true },
  // Rendering HTML inline would make it a page of this origin; it downloads instead.
  '.html': { type: 'text/html; charset=utf-8', inline: false },
  '.htm': { type: 'text/html; charset=utf-8', inline: false },
  '.pdf': { type: 'application/pdf', inline: false },
  '.gz': { type: 'application/gzip', inline: false },
  '.zip': { type: 'application/zip', inline: false },
  '.pkl': { type: 'application/octet-stream', inline: false },
};
/** MLflow's own metadata files have no extension but are YAML. */
const BY_NAME: Record<string, MediaType> = {
  MLmodel: { type: TEXT, inline: true },
  MLproject: { type: TEXT, inline: true },
};
const BINARY: MediaType = { type: 'application/octet-stream', inline: false };

export function artifactMediaType(path: string): MediaType {
  const name = posix.basename(path);
  return BY_NAME[name] ?? BY_EXTENSION[extname(name).toLowerCase()] ?? BINARY;
}

/** `inline; filename="x"; filename*=UTF-8''x` (RFC 6266), ASCII fallback without quotes or controls. */
function disposition(kind: 'inline' | 'attachment', path: string): string {
  const name = posix.basename(path);
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export async function sendArtifact(reply: FastifyReply, store: ArtifactStore, path: string): Promise<FastifyReply> {
  const file = await store.get(path);
  if (file === null) throw new StellwerkError('STW_ERR_NOT_FOUND', `No artifact file at '${path}'.`);
  const media = artifactMediaType(path);
  return reply
    .header('content-type', media.type)
    .header('content-length', String(file.size))
    .header('content-disposition', disposition(media.inline ? 'inline' : 'attachment', path))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', 'sandbox')
    .send(file.stream);
}
