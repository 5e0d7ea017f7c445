import { type ProcessLogsJob, processLogs } from './process-logs.ts';

/**
 * Entry of a pipeline worker thread: the same work as on the loop. The encoded rows come back
 * by structured clone, a plain copy of a few MiB that costs far less than the parsing it saves.
 */
export default function run(job: ProcessLogsJob) {
  return processLogs(job);
}
