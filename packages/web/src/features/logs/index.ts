// The logs feature's public surface: other features and the app import only from here.
export { fetchHistogram, LEVEL_GROUPS } from './api/logsApi.ts';
export { LogHistogram } from './components/LogHistogram.tsx';
export { LogsPage } from './components/LogsPage.tsx';
