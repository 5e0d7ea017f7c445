import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Captured traffic of the real clients, in the shared folder beside the repository. */
export const CLIENT_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/clients/fixtures');
