/**
 * A stand-in Stellwerk server for the integration tests: starts the engine on the directory
 * given as argument, prints how to reach it as one JSON line, and waits to be killed.
 */
import { startEmbeddedEngine } from './supervisor.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: engine-parent.fixture.ts <dataDir>');
const engine = await startEmbeddedEngine({ dataDir, poolSize: 2 });
process.stdout.write(
  `${JSON.stringify({ enginePid: engine.pid, url: engine.url, username: engine.username, password: engine.password })}\n`,
);
setInterval(() => undefined, 60_000);
