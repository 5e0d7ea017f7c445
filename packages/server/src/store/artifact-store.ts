/**
 * Where run artifacts live: a small interface so an object store can come later; the first
 * implementation keeps files under the data directory. Skeleton.
 */
export interface ArtifactStore {
  readonly kind: string;
}

export class FileArtifactStore implements ArtifactStore {
  readonly kind = 'file';
  constructor(readonly rootDir: string) {}
}
