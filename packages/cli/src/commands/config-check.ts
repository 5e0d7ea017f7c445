import { ConfigError, loadConfig } from '@stellwerk/server/config/index.ts';

/** Validates the effective configuration; prints it on success, the bad keys on failure. */
export function configCheck(options: { config?: string }, out = process.stdout, err = process.stderr): number {
  try {
    const config = loadConfig({ file: options.config, env: process.env });
    const shown = {
      ...config,
      auth: { tokens: config.auth.tokens.map((t) => ({ ...t, token: `${t.token.slice(0, 4)}…` })) },
    };
    out.write(`configuration is valid\n${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`stellwerk: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
