import { Command, InvalidArgumentError } from 'commander';
import { configCheck } from './commands/config-check.ts';
import { up } from './commands/up.ts';

// This file only parses the command line; each command is a function in commands/.

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return n;
}

const program = new Command()
  .name('stellwerk')
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
    process.exitCode = await up(opts);
  });

const config = program.command('config').description('work with the configuration');
config
  .command('check')
  .description('validate a config (file, STELLWERK_* variables and flags) and print the result')
  .option('-c, --config <file>', 'YAML config file (also STELLWERK_CONFIG)')
  .action((opts) => {
    process.exitCode = configCheck(opts);
  });

await program.parseAsync(process.argv);
