import type { ReactNode } from 'react';
import { LogsPage } from '../features/logs/index.ts';
import { MetricsPage } from '../features/metrics/index.ts';
import { OverviewPage } from '../features/overview/index.ts';
import { RunsPage } from '../features/runs/index.ts';

export interface Route {
  path: string;
  label: string;
  icon: ReactNode;
  /** Whether the top bar's time range applies to this page. */
  timeRange: boolean;
  render: () => ReactNode;
}

const svg = (d: string) => (
  <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
    <path d={d} fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" />
  </svg>
);

export const ROUTES: Route[] = [
  {
    path: '/',
    label: 'Overview',
    icon: svg('M2.5 2.5h4.5v5h-4.5zM9 2.5h4.5v3H9zM9 7.5h4.5v6H9zM2.5 9.5h4.5v4h-4.5z'),
    timeRange: false,
    render: () => <OverviewPage />,
  },
  {
    path: '/logs',
    label: 'Logs',
    icon: svg('M3 3.5h10M3 6.5h10M3 9.5h7M3 12.5h8'),
    timeRange: true,
    render: () => <LogsPage />,
  },
  {
    path: '/metrics',
    label: 'Metrics',
    icon: svg('M2 13l3.5-4 3 2.5L14 4'),
    timeRange: true,
    render: () => <MetricsPage />,
  },
  {
    path: '/runs',
    label: 'Runs',
    icon: svg('M3 13V8m3.3 5V4m3.4 9V6.5M13 13V2.5'),
    timeRange: false,
    render: () => <RunsPage />,
  },
  placeholder(
    '/apis',
    'APIs',
    'M5 4L1.8 8 5 12M11 4l3.2 4-3.2 4M9.2 3L6.8 13',
    'Model and service APIs: request rate, latency percentiles and error rate per endpoint and model version.',
  ),
  placeholder(
    '/resources',
    'Resources',
    'M3 3h10v4H3zM3 9h10v4H3zM5.5 5h.01M5.5 11h.01',
    'CPU, GPU, memory and disk use of hosts, containers and training jobs.',
  ),
  placeholder(
    '/alerts',
    'Alerts',
    'M8 2.5a3.5 3.5 0 0 1 3.5 3.5c0 3.5 1.5 5 1.5 5h-10S4.5 9.5 4.5 6A3.5 3.5 0 0 1 8 2.5zM6.8 13.5h2.4',
    'Alert rules on logs and metrics, their notification channels, and the history of every alert that fired and resolved.',
  ),
];

function placeholder(path: string, label: string, icon: string, what: string): Route {
  return {
    path,
    label,
    icon: svg(icon),
    timeRange: false,
    render: () => (
      <div className="placeholder" data-testid="placeholder">
        <h1 className="page-title">{label}</h1>
        <p>{what}</p>
        <p className="muted">This page is not available yet in this version of Stellwerk.</p>
      </div>
    ),
  };
}
