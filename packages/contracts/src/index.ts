export * from './errors.ts';
export * from './logs.ts';
export * from './time.ts';
