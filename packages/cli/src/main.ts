import { quickRunArgs } from './run/args.ts';

// This file only parses the command line; each command is a function in commands/, loaded
// when it is used: `stellwerk run` must start fast and not load the server.

// A plain `stellwerk run` starts without loading commander at all (see run/args.ts).
const quick = process.argv[2] === 'run' ? quickRunArgs(process.argv.slice(3)) : undefined;
if (quick) {
  const { run } = await import('./commands/run.ts');
  process.exit(await run(quick.command, quick.opts));
}

const { Command, InvalidArgumentError } = await import('commander');

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return n;
}

const program = new Command()
  .name('stellwerk')
  // Options after `run`'s command belong to the command, not to stellwerk.
  .enablePositionalOptions()
  .description('One place to watch ML workflows and the operations around them: logs, metrics, runs, alerts.')
  .version('0.1.0')
  .addHelpText(
    'after',
    `
Examples:
  $ stellwerk up                                  start with the embedded store in ./stellwerk-data
  $ stellwerk up --port 9000 --data-dir /var/lib/stellwerk
  $ stellwerk up --clickhouse-url http://default:secret@ch1:8123/stellwerk
  $ stellwerk config check --config stellwerk.yaml
  $ stellwerk run --experiment churn --param lr=0.01 -- python3 train.py
  $ stellwerk flush
  $ curl -X POST 'http://127.0.0.1:8420/api/v1/logs?service=demo' --data-binary 'INFO hello'`,
  );

program
  .command('up')
  .description('start Stellwerk (API, UI and, unless --clickhouse-url is given, the embedded store)')
  .option('-c, --config <file>', 'YAML config file (also STELLWERK_CONFIG)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1; STELLWERK_HOST)')
  .option('--port <port>', 'port to listen on (default 8420; STELLWERK_PORT)', port)
  .option('--data-dir <dir>', 'embedded store directory (default ./stellwerk-data; STELLWERK_DATA_DIR)')
  .option('--clickhouse-url <url>', 'use a ClickHouse server instead of the embedded store (STELLWERK_CLICKHOUSE_URL)')
  .action(async (opts) => {
    const { up } = await import('./commands/up.ts');
    process.exitCode = await up(opts);
  });

const config = program.command('config').description('work with the configuration');
config
  .command('check')
  .description('validate a config (file, STELLWERK_* variables and flags) and print the result')
  .option('-c, --config <file>', 'YAML config file (also STELLWERK_CONFIG)')
  .action(async (opts) => {
    const { configCheck } = await import('./commands/config-check.ts');
    process.exitCode = configCheck(opts);
  });

const collect = (value: string, previous: string[]) => [...previous, value];

program
  .command('run')
  .description(
    'run a command as a Stellwerk run: its output becomes logs, its processes are sampled, its end is recorded',
  )
  .argument('<command...>', 'the command and its arguments (after --)')
  .option('--server <url>', 'Stellwerk to report to (STELLWERK_URL; default http://127.0.0.1:8420)')
  .option('--token <token>', 'API token, sent as a Bearer token (STELLWERK_TOKEN)')
  .option('--experiment <name>', 'experiment of the run, created if new (STELLWERK_EXPERIMENT; default "Default")')
  .option('--name <name>', "run name (default: the step, the pipeline, or the command's basename)")
  .option('--pipeline <name>', 'this run is the pipeline <name>; `stellwerk run` inside it become its steps')
  .option('--step <name>', 'this run is the step <name> of a pipeline')
  .option('--param <key=value>', 'a run parameter (repeatable)', collect, [])
  .option('--tag <key=value>', 'a run tag (repeatable)', collect, [])
  .option('--sample-interval <duration>', 'how often the process tree is sampled: 500ms, 1s, 5s, or off', '1s')
  .option('--pty', 'run under a pseudo-terminal (stdout and stderr arrive merged, as stdout)')
  .passThroughOptions()
  .addHelpText(
    'after',
    `
The command's exit code is stellwerk's exit code (128 + n when it was killed by signal n).
Stellwerk being down never changes the command: what cannot be sent is spooled locally
(STELLWERK_SPOOL_DIR) and sent later by \`stellwerk flush\` or the next \`stellwerk run\`.`,
  )
  .action(async (command: string[], opts) => {
    const { run } = await import('./commands/run.ts');
    const code = await run(command, opts);
    // Exit at once with the command's code: nothing the wrapper still holds (a terminal on
    // stdin, idle connections) may keep it, or the caller, waiting.
    process.exit(code);
  });

program
  .command('flush')
  .description('send what `stellwerk run` spooled while Stellwerk was unreachable')
  .option('--server <url>', 'send everything here instead of to the server each run was meant for')
  .option('--token <token>', 'API token (STELLWERK_TOKEN)')
  .action(async (opts) => {
    const { flush } = await import('./commands/flush.ts');
    process.exitCode = await flush(opts);
  });

await program.parseAsync(process.argv);
