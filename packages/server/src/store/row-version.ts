/**
 * Versions for ReplacingMergeTree rows: the row with the highest version is the current state.
 * Microseconds since the epoch, bumped past the last one handed out, so two changes within
 * the same millisecond (or a clock step backwards) still order as they were made.
 */
let last = 0;

export function nextVersion(): number {
  last = Math.max(Date.now() * 1000, last + 1);
  return last;
}
