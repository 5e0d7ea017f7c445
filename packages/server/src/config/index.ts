export { ConfigError, loadConfig, SHORT_SETTINGS } from './load.ts';
export { type Config, type ConfigInput, configSchema, durationMs, type Scope } from './schema.ts';
