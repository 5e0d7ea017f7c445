import { TimeRangePicker } from '../../../shared/components/TimeRangePicker.tsx';
import { useTime } from '../../../shared/time/TimeContext.tsx';
import { RightsizingSection } from './RightsizingSection.tsx';

/**
 * Right-sizing of every step of an experiment (or of all experiments) over the app's time
 * range: the runs list has no time range of its own, so the picker sits in this view.
 */
export function ExperimentRightsizing({ experimentId, name }: { experimentId: string; name: string }) {
  const { abs, tick } = useTime();
  return (
    <RightsizingSection
      title={`Right-sizing · ${name}`}
      query={{ fromMs: abs.fromMs, toMs: abs.toMs, experimentId: experimentId || undefined }}
      refreshKey={tick}
      grouped
      tools={<TimeRangePicker />}
      empty={
        <>
          No step of {experimentId ? 'this experiment' : 'any experiment'} recorded CPU and memory samples in this time
          range. Widen the range, or wrap steps with <span className="mono">stellwerk run --step NAME -- …</span> so
          their resources are sampled.
        </>
      }
    />
  );
}
