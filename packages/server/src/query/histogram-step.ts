const NICE_STEPS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000,
];

/** The smallest "nice" bucket width that splits the range into at most `buckets` buckets. */
export function histogramStepMs(rangeMs: number, buckets: number): number {
  const raw = rangeMs / Math.max(1, buckets);
  for (const step of NICE_STEPS_MS) if (step >= raw) return step;
  return Math.ceil(raw / 86_400_000) * 86_400_000;
}
