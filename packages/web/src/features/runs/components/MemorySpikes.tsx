import type { MemorySpike } from '@stellwerk/contracts';
import type { ChartBand } from '../../../shared/chart/LineChart.tsx';
import { formatShort } from '../../../shared/time/range.ts';
import { formatBytes, formatRunDuration } from '../format.ts';
import '../rightsizing.css';

/** Near the limit is the urgent kind (the next larger input is OOM-killed): red; far above the median: amber. */
export const SPIKE_COLORS: Record<MemorySpike['reason'], string> = {
  'near-limit': 'rgba(214, 69, 69, 0.22)',
  'above-median': 'rgba(224, 155, 18, 0.25)',
};

const REASON_TEXT: Record<MemorySpike['reason'], string> = {
  'near-limit': 'above 90 % of the memory limit',
  'above-median': 'at least twice the run’s median',
};

export function spikeLabel(s: MemorySpike): string {
  return `Memory spike: peak ${formatBytes(s.peakBytes)}, ${REASON_TEXT[s.reason]}`;
}

/** The spikes as shaded spans of the memory chart. */
export function spikeBands(spikes: MemorySpike[]): ChartBand[] {
  return spikes.map((s) => ({ from: s.startMs, to: s.endMs, color: SPIKE_COLORS[s.reason], label: spikeLabel(s) }));
}

/** The same spikes in words, under the chart: when, how high, and why they count. */
export function MemorySpikeList({ spikes, limitBytes }: { spikes: MemorySpike[]; limitBytes: number | null }) {
  if (spikes.length === 0) return null;
  return (
    <ul className="spike-list small" data-testid="memory-spikes" aria-label="Memory spikes">
      {spikes.map((s) => (
        <li key={s.startMs} data-testid="memory-spike" data-reason={s.reason} data-start={s.startMs} data-end={s.endMs}>
          <span className="spike-swatch" style={{ background: SPIKE_COLORS[s.reason] }} aria-hidden="true" />
          <span className="mono">{formatShort(s.startMs)}</span>
          {s.endMs > s.startMs && <span className="muted"> for {formatRunDuration(s.endMs - s.startMs)}</span>}: peak{' '}
          <strong data-testid="spike-peak">{formatBytes(s.peakBytes)}</strong>
          {limitBytes !== null && <span className="muted"> of {formatBytes(limitBytes)}</span>},{' '}
          <span data-testid="spike-reason">{REASON_TEXT[s.reason]}</span>
        </li>
      ))}
    </ul>
  );
}
