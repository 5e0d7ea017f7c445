import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactPathOfUri, FileArtifactStore, normalizeArtifactPath } from './artifact-store.ts';

let dir: string;
let store: FileArtifactStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stellwerk-artifacts-'));
  store = new FileArtifactStore(join(dir, 'artifacts'), { maxFileBytes: 1000 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const body = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));
async function text(path: string): Promise<string | null> {
  const file = await store.get(path);
  if (file === null) return null;
  const parts: Buffer[] = [];
  for await (const c of file.stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

describe('normalizeArtifactPath', () => {
  it('collapses empty and dot segments', () => {
    expect(normalizeArtifactPath('')).toBe('');
    expect(normalizeArtifactPath('a//b/./c/')).toBe('a/b/c');
    expect(normalizeArtifactPath('./1/run/artifacts')).toBe('1/run/artifacts');
    expect(normalizeArtifactPath('a/..b/c..')).toBe('a/..b/c..');
  });

  it('refuses what could leave the root, saying why', () => {
    const cases: Array<[string, RegExp]> = [
      ['..', /'\.\.' is not allowed/],
      ['a/../../b', /'\.\.' is not allowed/],
      ['/etc/passwd', /absolute paths are not allowed/],
      ['C:/Windows', /drive letters are not allowed/],
      ['a\\..\\b', /backslash/],
      ['a\0b', /NUL/],
      ['.uploads/x', /reserved/],
      [`${'x'.repeat(256)}/y`, /longer than 255 bytes/],
      ['a/'.repeat(600), /longer than 1024 characters/],
    ];
    for (const [path, message] of cases) {
      expect(() => normalizeArtifactPath(path)).toThrow(message);
      try {
        normalizeArtifactPath(path);
      } catch (err) {
        expect((err as { status: number }).status).toBe(400);
      }
    }
  });
});

describe('artifactPathOfUri', () => {
  it('maps mlflow-artifacts URIs to store paths and leaves other locations alone', () => {
    expect(artifactPathOfUri('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(artifactPathOfUri('mlflow-artifacts://host:5000/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(artifactPathOfUri('mlflow-artifacts:/')).toBe('');
    expect(artifactPathOfUri('s3://bucket/1/abc')).toBeNull();
    expect(artifactPathOfUri('/var/mlruns/1/abc')).toBeNull();
    expect(() => artifactPathOfUri('mlflow-artifacts:/1/../../x')).toThrow(/'\.\.'/);
  });
});

describe('FileArtifactStore', () => {
  it('puts, gets, lists and deletes files under the root', async () => {
    expect(await store.put('1/r/artifacts/a.txt', body('hello ', 'world'))).toEqual({
      path: '1/r/artifacts/a.txt',
      size: 11,
    });
    await store.put('1/r/artifacts/sub/b.txt', body('b'));
    expect(existsSync(join(dir, 'artifacts', '1', 'r', 'artifacts', 'a.txt'))).toBe(true);
    expect(await text('1/r/artifacts/a.txt')).toBe('hello world');
    expect((await store.get('1/r/artifacts/a.txt'))?.size).toBe(11);
    expect(await store.list('1/r/artifacts')).toEqual([
      { path: '1/r/artifacts/a.txt', is_dir: false, file_size: 11 },
      { path: '1/r/artifacts/sub', is_dir: true },
    ]);
    // Uploads in progress are never listed.
    expect(await store.list('')).toEqual([{ path: '1', is_dir: true }]);

    await store.put('1/r/artifacts/a.txt', body('replaced'));
    expect(await text('1/r/artifacts/a.txt')).toBe('replaced');

    expect(await store.delete('1/r/artifacts/sub')).toBe(true);
    expect(await store.delete('1/r/artifacts/sub')).toBe(false);
    expect(await store.list('1/r/artifacts')).toEqual([{ path: '1/r/artifacts/a.txt', is_dir: false, file_size: 8 }]);
  });

  it('answers null or [] for what is not there, and for directories as files', async () => {
    await store.put('d/f.txt', body('x'));
    expect(await store.get('nope.txt')).toBeNull();
    expect(await store.get('d')).toBeNull();
    expect(await store.list('nope')).toEqual([]);
    expect(await store.list('d/f.txt')).toEqual([]);
  });

  it('refuses a file over the limit and keeps nothing, not even a partial upload', async () => {
    await expect(store.put('big.bin', body('x'.repeat(600), 'y'.repeat(600)))).rejects.toMatchObject({
      code: 'STW_ERR_BODY_TOO_LARGE',
      status: 413,
      detail: expect.stringContaining('artifacts.maxFileBytes (1000 bytes)'),
    });
    expect(await store.get('big.bin')).toBeNull();
    expect(readdirSync(join(dir, 'artifacts', '.uploads'))).toEqual([]);
    expect((await store.put('fits.bin', body('x'.repeat(1000)))).size).toBe(1000);
  });

  it('keeps nothing when the body fails half way', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.put('cut.bin', failing)).rejects.toThrow('connection reset');
    expect(await store.get('cut.bin')).toBeNull();
    expect(readdirSync(join(dir, 'artifacts', '.uploads'))).toEqual([]);
  });

  it('refuses a path through a file, a directory as a file, and the root', async () => {
    await store.put('model', body('a file'));
    await expect(store.put('model/weights.bin', body('x'))).rejects.toThrow(
      "'model' is a file, so 'model/weights.bin' cannot be created inside it",
    );
    await store.put('plots/a.png', body('x'));
    await expect(store.put('plots', body('x'))).rejects.toThrow("'plots' is a directory");
    await expect(store.put('', body('x'))).rejects.toThrow(/needs a file path/);
    await expect(store.delete('./')).rejects.toThrow(/Refusing to delete the artifact root/);
  });
});
