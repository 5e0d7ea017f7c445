import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Config, type ConfigInput, configSchema } from './schema.ts';

/** Short names shared by CLI flags and STELLWERK_* variables (`--data-dir`, `STELLWERK_DATA_DIR`). */
export const SHORT_SETTINGS: Record<string, string> = {
  host: 'server.host',
  port: 'server.port',
  dataDir: 'storage.dataDir',
  clickhouseUrl: 'storage.clickhouseUrl',
  logLevel: 'server.logLevel',
};

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: Array<{ key: string; message: string }>,
  ) {
    super(message);
  }
}

export interface ConfigSources {
  /** Path of a YAML file. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from flags, by short name or dotted path. */
  flags?: Record<string, unknown>;
  /** Programmatic overrides (tests), merged last. */
  overrides?: ConfigInput;
}

/**
 * Merges file < env < flags < overrides and validates once. Env names: STELLWERK_<SHORT>
 * for the short names above (STELLWERK_DATA_DIR) and STELLWERK_<SECTION>__<KEY> for any
 * other setting (STELLWERK_RETENTION__LOGS=7d).
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  let merged: Record<string, unknown> = {};
  const configFile = sources.file ?? sources.env?.STELLWERK_CONFIG;
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${configFile}: ${(err as Error).message}`, []);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError(`config file ${configFile} is not valid YAML: ${(err as Error).message}`, []);
    }
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new ConfigError(`config file ${configFile} must hold a mapping at the top level`, []);
    }
    merged = doc as Record<string, unknown>;
  }
  for (const [name, raw] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith('STELLWERK_') || name === 'STELLWERK_CONFIG' || raw === undefined) continue;
    const rest = name.slice('STELLWERK_'.length);
    const path = rest.includes('__')
      ? rest
          .split('__')
          .map((part) => camel(part))
          .join('.')
      : SHORT_SETTINGS[camel(rest)];
    if (path) setPath(merged, path, coerce(raw));
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    setPath(merged, SHORT_SETTINGS[key] ?? key, value);
  }
  if (sources.overrides) merged = deepMerge(merged, sources.overrides as Record<string, unknown>);
  return validate(merged, configFile);
}

function validate(input: unknown, file: string | undefined): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue: z.core.$ZodIssue) => {
    const key = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (key ? `${key}.${k}` : k));
      return { key: keys.join(', '), message: 'unknown setting; check the spelling against docs/config.md' };
    }
    return { key: key || '(root)', message: issue.message };
  });
  const where = file ? ` in ${file}` : '';
  const lines = issues.map((i) => `  ${i.key}: ${i.message}`).join('\n');
  return fail(`invalid configuration${where}:\n${lines}`, issues);
}

function fail(message: string, issues: Array<{ key: string; message: string }>): never {
  throw new ConfigError(message, issues);
}

function camel(upper: string): string {
  return upper.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function coerce(raw: string): unknown {
  if (/^-?\d+$/.test(raw) && raw.length < 16) return Number(raw);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return raw;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
