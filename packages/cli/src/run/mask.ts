/**
 * Masks secrets in a command line before it is stored with the run: values of flags and
 * VAR=value words whose name says it holds a secret, and passwords inside URLs. A run's
 * command is shown to everyone who can read runs, so this errs on the side of masking.
 */

export const MASK = '***';

/** Name parts that mark a secret: `--api-key`, `DB_PASSWORD`, `--authToken`, `AWS_SECRET_ACCESS_KEY`. */
const SECRET_PARTS = new Set([
  'secret',
  'secrets',
  'token',
  'tokens',
  'password',
  'passwords',
  'passwd',
  'pwd',
  'passphrase',
  'key',
  'keys',
  'apikey',
  'credential',
  'credentials',
  'creds',
]);

/**
 * Whether a flag or variable name names a secret. Names are split into parts at `-`, `_`,
 * `.` and camelCase humps, so `--keyword` or `--monkey` are not taken for keys.
 */
export function isSecretName(name: string): boolean {
  const parts = name
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[-_.]+/);
  return parts.some((p) => SECRET_PARTS.has(p));
}

/** `scheme://user:password@host` → `scheme://user:***@host`, anywhere in a word. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, `$1:${MASK}@`);
}

/** Masks one argument list; the result has the same length as the input. */
export function maskArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let maskNext = false;
  for (const arg of args) {
    if (maskNext) {
      maskNext = false;
      // `--token --verbose`: the flag had no value, the next one is a flag of its own.
      if (!arg.startsWith('-')) {
        out.push(MASK);
        continue;
      }
    }
    const flag = /^(--?[A-Za-z][\w.-]*)(=)?/.exec(arg);
    if (flag) {
      const name = flag[1] as string;
      if (isSecretName(name)) {
        if (flag[2]) {
          out.push(`${name}=${MASK}`);
        } else {
          out.push(arg);
          maskNext = arg === name;
        }
        continue;
      }
    }
    const assignment = /^([A-Za-z_][A-Za-z0-9_.]*)=/.exec(arg);
    if (assignment && isSecretName(assignment[1] as string)) {
      out.push(`${assignment[1]}=${MASK}`);
      continue;
    }
    out.push(maskUrlPasswords(arg));
  }
  return out;
}

/** Quotes a word for a POSIX shell only when it needs it, so the stored command reads naturally. */
export function shellQuote(word: string): string {
  // The mask itself stays unquoted: `--token=***` reads better than `'--token=***'`.
  if (word !== '' && /^[\w@%+=:,./-]*$/.test(word.replaceAll(MASK, ''))) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command line as a user would type it, secrets masked. */
export function maskedCommandLine(args: readonly string[]): string {
  return maskArgs(args).map(shellQuote).join(' ');
}
