import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StellwerkError } from '../errors.ts';

/**
 * Where run artifacts live: a small interface so an object store can come later; the first
 * implementation keeps files under the data directory (`<dataDir>/artifacts`).
 * Paths are relative, `/`-separated (`<experiment_id>/<run_id>/artifacts/model/MLmodel`);
 * every method normalises them and refuses any that could leave the root.
 */
export interface ArtifactStore {
  readonly kind: string;
  /** Larger files are refused (STW_ERR_BODY_TOO_LARGE) and nothing is kept. */
  readonly maxFileBytes: number;
  /** Streams `body` into the file at `path`, replacing it; visible only once complete. */
  put(path: string, body: Readable): Promise<{ path: string; size: number }>;
  /** The file's bytes, or null when there is no file at `path`. */
  get(path: string): Promise<{ stream: Readable; size: number } | null>;
  /** The entries directly in `dir` ('' is the root), sorted by path; [] when it does not exist. */
  list(dir: string): Promise<ArtifactFileInfo[]>;
  /** Removes a file or a whole directory; false when nothing was there. */
  delete(path: string): Promise<boolean>;
}

/** As MLflow lists artifacts: the path from the root, and a size for files only. */
export interface ArtifactFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** Longest accepted path and path segment (most file systems stop at 255 bytes a name). */
export const MAX_ARTIFACT_PATH = 1024;
const MAX_SEGMENT_BYTES = 255;
/** Uploads are written here first and renamed into place, so readers never see half a file. */
const STAGING = '.uploads';

/**
 * Normalises an artifact path: `a//b/./c/` → `a/b/c`, '' for the root. Refuses (400) what
 * could point outside the root or mean something else on another OS: `..`, absolute paths,
 * drive letters, backslashes, NUL.
 */
export function normalizeArtifactPath(raw: string): string {
  const refuse = (why: string): never => {
    throw new StellwerkError(
      'STW_ERR_BAD_REQUEST',
      `Invalid artifact path ${JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}…` : raw)}: ${why}`,
    );
  };
  if (raw.length > MAX_ARTIFACT_PATH) refuse(`longer than ${MAX_ARTIFACT_PATH} characters`);
  if (raw.includes('\0')) refuse('it contains a NUL character');
  if (raw.includes('\\')) refuse("it contains a backslash; separate directories with '/'");
  if (raw.startsWith('/')) refuse('absolute paths are not allowed; give a path relative to the artifact root');
  if (/^[A-Za-z]:/.test(raw)) refuse('drive letters are not allowed; give a path relative to the artifact root');
  const segments: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') refuse("'..' is not allowed in artifact paths");
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) refuse(`a name is longer than ${MAX_SEGMENT_BYTES} bytes`);
    segments.push(segment);
  }
  if (segments[0] === STAGING) refuse(`'${STAGING}' is reserved at the artifact root`);
  return segments.join('/');
}

export class FileArtifactStore implements ArtifactStore {
  readonly kind = 'file';
  readonly maxFileBytes: number;
  private readonly root: string;

  constructor(
    readonly rootDir: string,
    opts: { maxFileBytes?: number } = {},
  ) {
    this.root = resolve(rootDir);
    this.maxFileBytes = opts.maxFileBytes ?? 1024 ** 3;
  }

  async put(path: string, body: Readable): Promise<{ path: string; size: number }> {
    const rel = normalizeArtifactPath(path);
    if (rel === '') {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', 'An artifact upload needs a file path, not the root directory.');
    }
    const target = this.resolve(rel);
    await this.makeParents(rel);
    const existing = await statOrNull(target);
    if (existing?.isDirectory()) {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', `'${rel}' is a directory; upload to a path inside it.`);
    }

    const staging = join(this.root, STAGING);
    await mkdir(staging, { recursive: true });
    const tmp = join(staging, randomUUID());
    const limit = this.maxFileBytes;
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > limit) callback(artifactTooLarge(limit));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { path: rel, size };
  }

  async get(path: string): Promise<{ stream: Readable; size: number } | null> {
    const rel = normalizeArtifactPath(path);
    const file = this.resolve(rel);
    const info = await statOrNull(file);
    if (!info?.isFile() || rel === '') return null;
    return { stream: createReadStream(file), size: info.size };
  }

  async list(dir: string): Promise<ArtifactFileInfo[]> {
    const rel = normalizeArtifactPath(dir);
    const abs = this.resolve(rel);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      // A missing directory, or a file, lists as empty (as MLflow's server does).
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return [];
      throw err;
    }
    const out: ArtifactFileInfo[] = [];
    for (const entry of entries) {
      if (rel === '' && entry.name === STAGING) continue;
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) out.push({ path, is_dir: true });
      else if (entry.isFile()) {
        const info = await statOrNull(join(abs, entry.name));
        if (info) out.push({ path, is_dir: false, file_size: info.size });
      }
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<boolean> {
    const rel = normalizeArtifactPath(path);
    if (rel === '') {
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        'Refusing to delete the artifact root; name a file or directory.',
      );
    }
    const abs = this.resolve(rel);
    if ((await statOrNull(abs)) === null) return false;
    await rm(abs, { recursive: true, force: true });
    return true;
  }

  /** The absolute path; normalisation already keeps it inside, this holds the line regardless. */
  private resolve(rel: string): string {
    const abs = resolve(this.root, rel);
    if (abs !== this.root && !abs.startsWith(this.root + sep)) {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', `Invalid artifact path '${rel}': it leaves the artifact root.`);
    }
    return abs;
  }

  /** Creates the parent directories; a file standing where a directory must go is a clear 400. */
  private async makeParents(rel: string): Promise<void> {
    try {
      await mkdir(dirname(this.resolve(rel)), { recursive: true });
    } catch (err) {
      if (!isCode(err, 'EEXIST') && !isCode(err, 'ENOTDIR')) throw err;
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        if ((await statOrNull(this.resolve(prefix)))?.isFile()) {
          throw new StellwerkError(
            'STW_ERR_BAD_REQUEST',
            `'${prefix}' is a file, so '${rel}' cannot be created inside it; choose another path.`,
          );
        }
      }
      throw err;
    }
  }
}

/** The refusal of a file over the limit, whether its declared length or its bytes told. */
export function artifactTooLarge(limit: number): StellwerkError {
  return new StellwerkError(
    'STW_ERR_BODY_TOO_LARGE',
    `The artifact is larger than artifacts.maxFileBytes (${limit} bytes); raise that setting or split the file.`,
    { limitBytes: limit },
  );
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return null;
    throw err;
  }
}

function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException)?.code === code;
}

/**
 * The store path behind an MLflow artifact URI: `mlflow-artifacts:/1/<run>/artifacts` (also
 * with `//host:port`) → `1/<run>/artifacts`. Null for locations outside Stellwerk (s3://, a
 * local directory), whose files Stellwerk never holds.
 */
export function artifactPathOfUri(uri: string): string | null {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?(\/.*)?$/.exec(uri);
  if (m === null) return null;
  return normalizeArtifactPath((m[1] ?? '').replace(/^\/+/, ''));
}
