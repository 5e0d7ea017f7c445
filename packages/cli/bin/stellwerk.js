#!/usr/bin/env node
// Runs the TypeScript entry through tsx so the CLI needs no separate build step; the
// wrapping commands start from a compiled copy when one can be made (see compiled-entry.js).
const command = process.argv[2];
let entry;
if (command === 'run' || command === 'flush') {
  const { compiledEntry } = await import('./compiled-entry.js');
  entry = compiledEntry();
}
let viaTsx = !entry;
if (entry) {
  try {
    await import(entry);
  } catch (err) {
    // Only a module the compiled copy cannot load (before any command ran) falls back to tsx.
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' && err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    viaTsx = true;
  }
}
if (viaTsx) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
