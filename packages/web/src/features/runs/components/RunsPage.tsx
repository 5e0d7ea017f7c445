import { EmptyState } from '../../../shared/components/States.tsx';
import { Link, usePath } from '../../../shared/router/router.tsx';
import '../runs.css';
import { parseRunsPath, RUNS_PATH } from '../paths.ts';
import { ComparePage } from './ComparePage.tsx';
import { PipelinePage } from './PipelinePage.tsx';
import { RunPage } from './RunPage.tsx';
import { RunsListPage } from './RunsListPage.tsx';

/** Picks the runs page the path names (see paths.ts). */
export function RunsPage() {
  const view = parseRunsPath(usePath());
  switch (view.page) {
    case 'list':
      return <RunsListPage />;
    case 'compare':
      return <ComparePage />;
    case 'run':
      return <RunPage key={view.runId} runId={view.runId} />;
    case 'pipeline':
      return <PipelinePage key={view.runId} runId={view.runId} />;
    default:
      return (
        <EmptyState title="There is no runs page at this address" testId="runs-not-found">
          <Link href={RUNS_PATH}>Go to the runs list</Link>.
        </EmptyState>
      );
  }
}
