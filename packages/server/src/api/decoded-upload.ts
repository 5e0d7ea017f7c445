import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { StellwerkError } from '../errors.ts';

/**
 * Decompresses a streamed upload by its Content-Encoding while it arrives, so memory holds a
 * chunk, not the body. Size limits are counted on what this yields (the decompressed bytes),
 * so a small compressed body cannot expand past them.
 */
export function decodedUpload(body: Readable, contentEncoding: string | undefined): Readable {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  const decompress =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip
      : encoding === 'deflate'
        ? createInflate
        : encoding === 'br'
          ? createBrotliDecompress
          : undefined;
  if (!decompress)
    throw new StellwerkError(
      'STW_ERR_BAD_ENCODING',
      `Content-Encoding "${encoding}" is not supported; send identity, gzip, deflate or br.`,
    );
  const inflater = decompress();
  body.on('error', (err) => inflater.destroy(err));
  body.pipe(inflater);
  return Readable.from(decoded(inflater, encoding), { objectMode: false });
}

async function* decoded(inflater: Readable, encoding: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // zlib's own failures name a Z_* code; anything else (an aborted request) passes as it is.
    if (typeof e.code === 'string' && e.code.startsWith('Z_'))
      throw new StellwerkError(
        'STW_ERR_BAD_ENCODING',
        `The upload is not valid ${encoding} data (${e.message}); compress it with ${encoding} or drop the Content-Encoding header.`,
      );
    throw err;
  }
}
