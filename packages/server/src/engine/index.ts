export { DataDirLockedError, EngineStartError } from './errors.ts';
export {
  type EmbeddedEngine,
  type EmbeddedEngineEvents,
  type EmbeddedEngineOptions,
  type EngineExitInfo,
  type EngineRestartFailure,
  type EngineRestartInfo,
  startEmbeddedEngine,
} from './supervisor.ts';
