import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { StellwerkError } from '../errors.ts';

/**
 * Decodes a request body by Content-Encoding. The output size is capped, so a small
 * compressed body cannot expand past the documented body limit (a "zip bomb").
 */
const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

/** Runs on libuv's pool, so a large body does not stall the event loop. */
export async function decodeBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const opts = { maxOutputLength: maxBytes };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return await gunzipAsync(body, opts);
    if (encoding === 'deflate') return await inflateAsync(body, opts);
    if (encoding === 'br') return await brotliAsync(body, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|too large/i.test(e.message)) {
      throw new StellwerkError(
        'STW_ERR_BODY_TOO_LARGE',
        `The body is larger than ${maxBytes} bytes once decompressed; split it into smaller requests.`,
      );
    }
    throw new StellwerkError('STW_ERR_BAD_ENCODING', `The body is not valid ${encoding} data: ${e.message}.`);
  }
  throw new StellwerkError(
    'STW_ERR_BAD_ENCODING',
    `Content-Encoding "${encoding}" is not supported; send identity, gzip, deflate or br.`,
  );
}
