import { StellwerkError } from '../errors.ts';

/**
 * Page tokens are opaque to clients: base64 of `{"offset":n}`. A token from another server
 * or a hand-edited one is refused with a 400 rather than silently restarting the listing.
 */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (Number.isSafeInteger(parsed.offset) && (parsed.offset as number) >= 0) return parsed.offset as number;
  } catch {
    // falls through to the refusal
  }
  throw new StellwerkError(
    'STW_ERR_BAD_REQUEST',
    `Invalid page token '${token}': pass the next_page_token of a previous answer.`,
  );
}
