// The logs feature's public surface: other features and the app import only from here.
export { fetchHistogram, LEVEL_GROUPS, recordsToFrame, searchLogs } from './api/logsApi.ts';
export { LogHistogram } from './components/LogHistogram.tsx';
export { LogsPage } from './components/LogsPage.tsx';
export { LogTable } from './components/LogTable.tsx';
