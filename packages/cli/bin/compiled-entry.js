// The CLI compiled to plain JavaScript, for the commands that wrap other programs (`run`,
// `flush`): they run before and after every wrapped step, and tsx's own start costs several
// times Node's. esbuild (which tsx itself uses) compiles src/ once into a cache beside the
// package; the cache is rebuilt whenever a source file is newer. Any problem returns
// undefined and the caller falls back to tsx, so this can only make things faster.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(pkg, 'src');
// Inside the package, so that the compiled code resolves its dependencies as the source does.
const cache = join(pkg, 'node_modules', '.cache', 'stellwerk-cli');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function compiledEntry() {
  try {
    const main = join(cache, 'main.js');
    let fresh = false;
    try {
      fresh = statSync(main).mtimeMs >= newestSource(src);
    } catch {}
    if (!fresh) {
      const esbuild = createRequire(import.meta.url)('esbuild');
      // Built aside and renamed into place, so a concurrent start never loads half a build.
      const tmp = `${cache}.${process.pid}.tmp`;
      esbuild.buildSync({
        entryPoints: [join(src, 'main.ts')],
        outdir: tmp,
        bundle: true,
        // Commands load lazily (`up` pulls in the whole server): each stays a chunk of its own.
        splitting: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        packages: 'external',
        logLevel: 'silent',
      });
      mkdirSync(dirname(cache), { recursive: true });
      rmSync(cache, { recursive: true, force: true });
      try {
        renameSync(tmp, cache);
      } catch {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    return pathToFileURL(main).href;
  } catch {
    return undefined;
  }
}
