/** The data directory is in use by another live engine; two cannot share one directory. */
export class DataDirLockedError extends Error {
  readonly code = 'STW_ERR_DATA_DIR_LOCKED';

  constructor(
    readonly dataDir: string,
    readonly holderPid?: number,
    readonly holderParentPid?: number,
  ) {
    const holder =
      holderPid === undefined
        ? 'another process'
        : holderParentPid === undefined
          ? `process ${holderPid}`
          : `process ${holderPid} (engine of Stellwerk server ${holderParentPid})`;
    super(`Data directory ${dataDir} is already in use by ${holder}. Stop it, or use another data directory.`);
    this.name = 'DataDirLockedError';
  }
}

/** The engine process could not start (bad configuration, missing binary, crash at start). */
export class EngineStartError extends Error {
  readonly code = 'STW_ERR_ENGINE_START';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineStartError';
  }
}
