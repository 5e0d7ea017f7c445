/** TSBS-like "cpu-only" data: hosts with ten tags each report ten usage fields every 10 s. */
const FIELDS = [
  'usage_user',
  'usage_system',
  'usage_idle',
  'usage_nice',
  'usage_iowait',
  'usage_irq',
  'usage_softirq',
  'usage_steal',
  'usage_guest',
  'usage_guest_nice',
];
const REGIONS = ['us-east-1', 'us-west-1', 'eu-central-1', 'ap-southeast-2'];

export const CPU_FIELDS = FIELDS;

function tags(host: number): string {
  const region = REGIONS[host % REGIONS.length];
  return `hostname=host_${host},region=${region},datacenter=${region}a,rack=${host % 100},os=Ubuntu16.04LTS,arch=x64,team=SF,service=${host % 20},service_version=${host % 2},service_environment=production`;
}

/**
 * Line-protocol batches of `linesPerBatch` points, hosts interleaved, ending at `endMs`.
 * Values are deterministic random walks so compression sees realistic data.
 */
export function cpuBatches(
  hosts: number,
  batches: number,
  linesPerBatch: number,
  endMs: number,
  precision: 'ms' = 'ms',
) {
  const totalLines = batches * linesPerBatch;
  const steps = Math.ceil(totalLines / hosts);
  const startMs = endMs - steps * 10_000;
  const hostTags = Array.from({ length: hosts }, (_, h) => tags(h));
  const state = Array.from({ length: hosts * FIELDS.length }, (_, i) => (i * 37) % 100);
  const out: Buffer[] = [];
  let line = 0;
  let lines: string[] = [];
  for (let step = 0; step < steps && line < totalLines; step++) {
    const ts = startMs + step * 10_000;
    for (let h = 0; h < hosts && line < totalLines; h++, line++) {
      let fields = '';
      for (let f = 0; f < FIELDS.length; f++) {
        const i = h * FIELDS.length + f;
        const next = Math.min(100, Math.max(0, (state[i] as number) + (((line * 7919 + f * 104729) % 21) - 10) / 10));
        state[i] = next;
        fields += `${f ? ',' : ''}${FIELDS[f]}=${next.toFixed(2)}`;
      }
      lines.push(`cpu,${hostTags[h]} ${fields} ${precision === 'ms' ? ts : ts}`);
      if (lines.length === linesPerBatch) {
        out.push(Buffer.from(`${lines.join('\n')}\n`));
        lines = [];
      }
    }
  }
  if (lines.length > 0) out.push(Buffer.from(`${lines.join('\n')}\n`));
  return { bodies: out, startMs, endMs: startMs + (steps - 1) * 10_000, values: totalLines * FIELDS.length };
}
