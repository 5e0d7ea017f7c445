import type { Store } from './client.ts';

/** Dataset profiles of runs and pinned baselines. Skeleton. */
export class DatasetsRepository {
  constructor(readonly store: Store) {}
}
