export * from './datasets.ts';
export * from './errors.ts';
export * from './logs.ts';
export * from './metrics.ts';
export * from './rightsizing.ts';
export * from './runs.ts';
export * from './time.ts';
