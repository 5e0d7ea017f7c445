/** Messages between the supervisor (server process) and the engine process, over IPC. */

export interface EngineConfig {
  dataDir: string;
  /** 0 for any free port; on a restart, the previous port so the URL stays the same. */
  port: number;
  username: string;
  password: string;
  poolSize: number;
  maxReadonlySlots: number;
  memoryLimitBytes: number;
  maxExecutionTimeSec: number;
  maxBodyBytes: number;
  systemLogTtlDays: number;
}

export type ParentMessage = { type: 'start'; config: EngineConfig } | { type: 'shutdown' };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type EngineMessage =
  | { type: 'ready'; port: number; pid: number }
  | { type: 'log'; level: LogLevel; msg: string; fields?: Record<string, unknown> }
  | {
      type: 'fatal';
      reason: 'locked' | 'failed';
      message: string;
      dataDir: string;
      /** The process holding the data directory, when it could be found. */
      holderPid?: number;
      /** The Stellwerk server that started that process, if it was a Stellwerk engine. */
      holderParentPid?: number;
    };
