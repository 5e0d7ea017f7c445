import { describe, expect, it } from 'vitest';
import { lastRedraw, tidyLines } from './output.ts';

describe('log lines from command output', () => {
  it('keeps what a terminal finally shows of a redrawn progress line', () => {
    expect(lastRedraw(' 10%|█         |\r 50%|█████     |\r100%|██████████|')).toBe('100%|██████████|');
    expect(lastRedraw('plain line')).toBe('plain line');
    expect(lastRedraw('windows line\r')).toBe('windows line');
  });

  it('cuts over-long lines and leaves ordinary text untouched', () => {
    expect(tidyLines('a\nb\n', 4, false, false)).toBe('a\nb\n');
    expect(tidyLines('abcdefghij\nxy\n', 4, false, true)).toBe('abcd\nefgh\nij\nxy\n');
    expect(tidyLines('step 1\rstep 2\ndone\r\n', 100, true, false)).toBe('step 2\ndone\n');
  });
});
