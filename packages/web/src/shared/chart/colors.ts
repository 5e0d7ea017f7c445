/** A palette readable on white, ordered so neighbours differ in hue. */
export const PALETTE = [
  '#1f77b4',
  '#e4572e',
  '#2ca02c',
  '#9467bd',
  '#d4a017',
  '#17becf',
  '#d62780',
  '#8c564b',
  '#4c6ef5',
  '#6a9a1f',
  '#f08c00',
  '#0b7285',
  '#ae3ec9',
  '#c92a2a',
  '#5c7cfa',
  '#2b8a3e',
  '#e67700',
  '#495057',
  '#1098ad',
  '#a61e4d',
];

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Colors for series keys: each key prefers the palette slot its hash picks, so a series keeps
 * its color across refreshes and queries; a taken slot moves to the next free one so two
 * series never share a color until the palette runs out.
 */
export function seriesColors(keys: string[]): string[] {
  const taken = new Set<number>();
  return keys.map((k) => {
    let slot = hash(k) % PALETTE.length;
    if (taken.size < PALETTE.length) {
      while (taken.has(slot)) slot = (slot + 1) % PALETTE.length;
      taken.add(slot);
    }
    return PALETTE[slot] ?? '#1f77b4';
  });
}
