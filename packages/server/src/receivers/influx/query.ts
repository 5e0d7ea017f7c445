import { StellwerkError } from '../../errors.ts';

/**
 * Database names seen in this process (CREATE DATABASE, `db` of writes), only so that
 * `SHOW DATABASES` looks familiar to clients. Stellwerk has no databases: names are not stored.
 */
export class KnownDatabases {
  private readonly names = new Set<string>();
  private static readonly MAX = 1000;

  add(name: string): void {
    if (this.names.size < KnownDatabases.MAX) this.names.add(name);
  }

  delete(name: string): void {
    this.names.delete(name);
  }

  list(): string[] {
    return [...this.names].sort();
  }
}

type StatementResult = { statement_id: number; series?: unknown[] };

/**
 * The InfluxQL that writing clients send before they write (the influx CLI's `-import`,
 * node-influx's `createDatabase`/`getDatabaseNames`) answered in 1.x's results shape. Anything
 * else is refused: Stellwerk is queried with PromQL.
 */
export function answerQuery(q: string, databases: KnownDatabases): { results: StatementResult[] } {
  const statements = q
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (statements.length === 0) throw new StellwerkError('STW_ERR_BAD_QUERY', 'missing required parameter "q"');
  const results: StatementResult[] = [];
  statements.forEach((statement, id) => {
    const words = statement.split(/\s+/);
    const verb = `${words[0] ?? ''} ${words[1] ?? ''}`.toUpperCase();
    if (verb === 'SHOW DATABASES' && words.length === 2) {
      const values = databases.list().map((name) => [name]);
      results.push({
        statement_id: id,
        series: [{ name: 'databases', columns: ['name'], ...(values.length > 0 ? { values } : {}) }],
      });
    } else if ((verb === 'CREATE DATABASE' || verb === 'DROP DATABASE') && DATABASE_NAME.test(statement)) {
      const name = unquote((DATABASE_NAME.exec(statement) as RegExpExecArray)[1] as string);
      // DROP only forgets the name: the data is not grouped by database.
      if (verb === 'CREATE DATABASE') databases.add(name);
      else databases.delete(name);
      results.push({ statement_id: id });
    } else if (verb === 'CREATE RETENTION' || verb === 'ALTER RETENTION') {
      // Retention is configured per tier in Stellwerk's config, not per database.
      results.push({ statement_id: id });
    } else {
      throw new StellwerkError(
        'STW_ERR_BAD_QUERY',
        `Stellwerk does not run InfluxQL ("${statement.slice(0, 80)}"): query metrics with PromQL at /api/v1/query, where field f of measurement m is the series m_f with the tags as labels. /query only answers SHOW DATABASES, CREATE/DROP DATABASE and CREATE/ALTER RETENTION POLICY, so that writing clients can set up.`,
      );
    }
  });
  return { results };
}

const DATABASE_NAME = /^\S+\s+DATABASE\s+("(?:[^"\\]|\\.)*"|\S+)/i;

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/\\(.)/g, '$1') : name;
}
