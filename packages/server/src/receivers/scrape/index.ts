import type { Logger } from 'pino';
import type { Config } from '../../config/index.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { MetricsIngest } from '../../pipeline/metrics-ingest.ts';

export interface Scraper {
  stop(): Promise<void>;
}

/** Pulls Prometheus text and OpenMetrics endpoints from configured targets. */
export function startScraper(_options: {
  config: Config['scrape'];
  /** This server's own base URL, for the default self-scrape. */
  selfUrl: string;
  ingest: MetricsIngest;
  metrics: Metrics;
  logger: Logger;
}): Scraper {
  return { stop: async () => {} };
}
