import type { Run } from '@stellwerk/contracts';
import { useState } from 'react';
import { Link } from '../../../shared/router/router.tsx';
import { rightsizingPath } from '../paths.ts';
import { RightsizingSection } from './RightsizingSection.tsx';

/** Samples are taken while a step runs; a minute each side keeps clock skew between hosts in. */
const MARGIN_MS = 60_000;

/** Right-sizing of one pipeline run's steps (its child runs) over the pipeline's lifetime. */
export function PipelineRightsizing({ pipeline }: { pipeline: Run }) {
  // Fixed at first render: a running pipeline's window must not move on every render.
  const [now] = useState(Date.now);
  const span = { fromMs: pipeline.startTimeMs - MARGIN_MS, toMs: (pipeline.endTimeMs ?? now) + MARGIN_MS };
  return (
    <RightsizingSection
      title="Right-sizing of the steps"
      query={{ ...span, parentRunId: pipeline.runId }}
      tools={
        <Link href={rightsizingPath(pipeline.experimentId, span)} className="small" data-testid="rs-experiment-link">
          All steps of the experiment in this window
        </Link>
      }
      empty={
        <>
          None of this pipeline’s steps recorded CPU and memory samples. Run each step with{' '}
          <span className="mono">stellwerk run --step NAME -- …</span> inside the pipeline so its resources are sampled.
        </>
      }
    />
  );
}
