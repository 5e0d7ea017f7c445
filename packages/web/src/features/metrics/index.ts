// The metrics feature's public surface: other features and the app import only from here.
export { chooseStep, queryRange } from './api/promApi.ts';
export { MetricsPage } from './components/MetricsPage.tsx';
