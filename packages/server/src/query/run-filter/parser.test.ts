import { describe, expect, it } from 'vitest';
import { parseOrderBy, parseRunFilter, RunFilterError } from './index.ts';

/** The error a filter raises, for asserting its position and message. */
function failure(run: () => unknown): RunFilterError {
  try {
    run();
  } catch (err) {
    if (err instanceof RunFilterError) return err;
    throw err;
  }
  throw new Error('expected a RunFilterError');
}

describe('parseRunFilter', () => {
  it('reads the empty filter as no clause', () => {
    expect(parseRunFilter('')).toEqual([]);
    expect(parseRunFilter('   ')).toEqual([]);
  });

  it('reads every numeric comparator for metrics', () => {
    for (const op of ['=', '!=', '<', '<=', '>', '>='] as const) {
      expect(parseRunFilter(`metrics.acc ${op} 0.5`)).toEqual([{ kind: 'metric', key: 'acc', op, value: 0.5, pos: 0 }]);
    }
    expect(parseRunFilter('metrics.acc>-1.5e-3')[0]).toMatchObject({ op: '>', value: -0.0015 });
    expect(parseRunFilter('metric.loss <= .25')[0]).toMatchObject({ kind: 'metric', key: 'loss', value: 0.25 });
  });

  it('reads =, !=, LIKE and ILIKE for params and tags, in either quote and any case', () => {
    for (const op of ['=', '!=', 'LIKE', 'ILIKE'] as const) {
      expect(parseRunFilter(`params.model ${op} 'cnn%'`)).toEqual([
        { kind: 'param', key: 'model', op, value: 'cnn%', pos: 0 },
      ]);
      expect(parseRunFilter(`tags.team ${op.toLowerCase()} "vision"`)).toEqual([
        { kind: 'tag', key: 'team', op, value: 'vision', pos: 0 },
      ]);
    }
  });

  it('takes every MLflow alias of the entity types', () => {
    const kinds = (types: string[], value: string) => types.map((t) => parseRunFilter(`${t}.x = ${value}`)[0]?.kind);
    expect(kinds(['metric', 'metrics', 'METRICS'], '1')).toEqual(['metric', 'metric', 'metric']);
    expect(kinds(['param', 'params', 'parameter', 'parameters'], "'a'")).toEqual(['param', 'param', 'param', 'param']);
    expect(kinds(['tag', 'tags'], "'a'")).toEqual(['tag', 'tag']);
    const attrs = ['attribute', 'attributes', 'attr', 'run'].map(
      (t) => parseRunFilter(`${t}.status = 'FAILED'`)[0]?.kind,
    );
    expect(attrs).toEqual(['attribute', 'attribute', 'attribute', 'attribute']);
  });

  it('reads quoted keys with backticks, double and single quotes, and dotted bare keys', () => {
    expect(parseRunFilter('metrics.`my metric` > 1')[0]).toMatchObject({ key: 'my metric' });
    expect(parseRunFilter('metrics."error rate" > 1')[0]).toMatchObject({ key: 'error rate' });
    expect(parseRunFilter("metrics.'2019-04-02 error' > 1")[0]).toMatchObject({ key: '2019-04-02 error' });
    expect(parseRunFilter('params."model-type" = "a"')[0]).toMatchObject({ key: 'model-type' });
    expect(parseRunFilter("tags.mlflow.runName = 'x'")[0]).toMatchObject({ kind: 'tag', key: 'mlflow.runName' });
    expect(parseRunFilter('metrics.`a``b` = 1')[0]).toMatchObject({ key: 'a`b' });
  });

  it('unescapes quotes in values and keeps LIKE escapes', () => {
    expect(parseRunFilter("params.a = 'it''s'")[0]).toMatchObject({ value: "it's" });
    expect(parseRunFilter("params.a = 'it\\'s'")[0]).toMatchObject({ value: "it's" });
    expect(parseRunFilter('params.a = "say ""hi"""')[0]).toMatchObject({ value: 'say "hi"' });
    expect(parseRunFilter("params.a LIKE '50\\%'")[0]).toMatchObject({ value: '50\\%' });
    expect(parseRunFilter("params.a = ''")[0]).toMatchObject({ value: '' });
  });

  it('reads attributes, their aliases, numeric times and IN lists', () => {
    expect(parseRunFilter("attributes.run_name = 'a'")[0]).toMatchObject({ key: 'run_name' });
    expect(parseRunFilter("attributes.`Run name` = 'a'")[0]).toMatchObject({ key: 'run_name' });
    expect(parseRunFilter("`Run Name` = 'a'")[0]).toMatchObject({ kind: 'attribute', key: 'run_name' });
    expect(parseRunFilter("status = 'FAILED'")[0]).toMatchObject({ kind: 'attribute', key: 'status' });
    expect(parseRunFilter('attributes.created >= 1700000000000')[0]).toMatchObject({
      key: 'start_time',
      op: '>=',
      value: 1_700_000_000_000,
    });
    expect(parseRunFilter('attributes.end_time < 5')[0]).toMatchObject({ key: 'end_time', value: 5 });
    for (const key of ['user_id', 'artifact_uri', 'lifecycle_stage', 'run_id']) {
      expect(parseRunFilter(`attributes.${key} ILIKE '%x%'`)[0]).toMatchObject({ key, op: 'ILIKE' });
    }
    expect(parseRunFilter("attributes.run_id IN ('a', \"b\",'c')")[0]).toMatchObject({
      op: 'IN',
      value: ['a', 'b', 'c'],
    });
    expect(parseRunFilter("attributes.status not  in ('FAILED')")[0]).toMatchObject({
      op: 'NOT IN',
      value: ['FAILED'],
    });
    expect(parseRunFilter("datasets.context IN ('train')")[0]).toMatchObject({ kind: 'dataset', key: 'context' });
    expect(parseRunFilter("dataset.digest = 'x'")[0]).toMatchObject({ kind: 'dataset', key: 'digest', op: '=' });
  });

  it('joins clauses with AND and records where each starts', () => {
    const clauses = parseRunFilter("metrics.acc > 0.9 AND params.lr = '0.1' and tags.t != 'x'");
    expect(clauses.map((c) => [c.kind, c.pos])).toEqual([
      ['metric', 0],
      ['param', 22],
      ['tag', 44],
    ]);
  });

  it('refuses OR with the reason and the position', () => {
    const err = failure(() => parseRunFilter("metrics.acc > 0.9 OR params.lr = '0.1'"));
    expect(err.position).toBe(18);
    expect(err.code).toBe('STW_ERR_BAD_QUERY');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/position 18: OR is not supported.*AND only/);
  });

  it('names the position and what was expected', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['metrics.acc', 11, /expected a comparator .* found the end/],
      [
        'metrics.acc ~ 1',
        12,
        /expected a comparator \(=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN\) after metrics\.acc, found '~'/,
      ],
      ['metrics.acc == 1', 12, /'==' is not a comparator: write '='/],
      ['metrics.acc > ', 14, /expected a number for metrics\.acc, found the end/],
      ["metrics.acc > '1'", 14, /expected a number for metrics\.acc, found a quoted string/],
      ['metrics.acc > 1x', 14, /expected a number/],
      [
        'metrics.acc LIKE 1',
        12,
        /comparator LIKE is not valid for metrics \(metrics\.acc\); use one of =, !=, <, <=, >, >=/,
      ],
      ['params.lr > 1', 10, /comparator > is not valid for params \(params\.lr\); use one of =, !=, LIKE, ILIKE/],
      ['params.lr = 0.1', 12, /expected a quoted string for params\.lr, found '0\.1'.*params\.lr = '0\.1'/],
      ["tags.t = 'open", 9, /the quote opened here is never closed; end it with '/],
      ["foo.bar = 'x'", 0, /unknown entity type 'foo': use metrics, params, tags, attributes or datasets/],
      ["attributes.colour = 'x'", 0, /unknown attribute 'colour': valid attributes are run_id, run_name, status/],
      ["colour = 'x'", 0, /unknown attribute 'colour'/],
      ["params.lr IN ('a')", 10, /comparator IN is not valid for params/],
      ["attributes.user_id IN ('a')", 19, /IN takes a list only for attributes\.run_id and attributes\.status/],
      ["attributes.start_time = 'x'", 24, /expected a number for attributes\.start_time/],
      ["attributes.status LIKE 'x' AND", 30, /expected an expression after AND/],
      ["attributes.status = 'x' params.a = 'b'", 24, /expected AND or the end of the filter, found 'params\.a'/],
      ["attributes.run_id IN 'a'", 21, /expected a list such as \('a', 'b'\)/],
      ["attributes.run_id IN ('a' 'b')", 26, /expected ',' or '\)' in the list, found ''b'\)'/],
      ['attributes.run_id IN ()', 22, /the list is empty/],
      ["attributes.run_id NOT ('a')", 22, /expected IN after NOT/],
      ['metrics. > 1', 8, /expected a name after 'metrics\.'/],
      ['metrics.`` > 1', 8, /the quoted name is empty/],
      ["(params.a = 'b')", 0, /expected an identifier such as metrics\.acc/],
      ["datasets.size = 'x'", 9, /unknown dataset field 'size'/],
    ];
    for (const [filter, position, message] of cases) {
      const err = failure(() => parseRunFilter(filter));
      expect({ filter, position: err.position }).toEqual({ filter, position });
      expect(err.message).toMatch(message);
      expect(err.message).toContain(`Invalid filter at position ${position}:`);
    }
  });

  it('suggests quoting a key with special characters', () => {
    const err = failure(() => parseRunFilter('metrics.val-loss < 1'));
    expect(err.position).toBe(11);
    expect(err.message).toContain('metrics.`val-loss`');
  });

  it('bounds the filter length', () => {
    const err = failure(() => parseRunFilter(`params.a = '${'x'.repeat(9000)}'`));
    expect(err.message).toMatch(/at most 8192/);
  });
});

describe('parseOrderBy', () => {
  it('reads identifiers with an optional direction, ascending by default', () => {
    expect(
      parseOrderBy(['metrics.acc DESC', 'params.lr', 'attributes.start_time ASC', 'tags.x', 'metrics.`a b` desc']),
    ).toEqual([
      { kind: 'metric', key: 'acc', ascending: false },
      { kind: 'param', key: 'lr', ascending: true },
      { kind: 'attribute', key: 'start_time', ascending: true },
      { kind: 'tag', key: 'x', ascending: true },
      { kind: 'metric', key: 'a b', ascending: false },
    ]);
    expect(parseOrderBy(['created', 'end_time DESC'])).toEqual([
      { kind: 'attribute', key: 'start_time', ascending: true },
      { kind: 'attribute', key: 'end_time', ascending: false },
    ]);
    expect(parseOrderBy([])).toEqual([]);
  });

  it('names the entry and the position of a mistake', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['metrics.acc DOWN', 12, /expected ASC, DESC or the end, found 'DOWN'/],
      ['metrics.acc DESC x', 17, /expected the end after DESC/],
      ['', 0, /it is empty/],
      ['datasets.name', 0, /cannot be ordered by datasets/],
      ['foo.acc', 0, /unknown entity type 'foo'/],
    ];
    for (const [entry, position, message] of cases) {
      const err = failure(() => parseOrderBy(['params.ok', entry]));
      expect(err.position).toBe(position);
      expect(err.message).toMatch(message);
      expect(err.message).toContain(`Invalid order_by entry 2 (${JSON.stringify(entry)}) at position ${position}:`);
    }
  });
});
