import { describe, expect, it } from 'vitest';
import { render } from '../../store/sql.ts';
import { RunFilterError, type RunSearchOptions, runSearchSql } from './index.ts';

const base: RunSearchOptions = { experimentIds: ['1'], lifecycle: 'active', limit: 10, offset: 0 };

describe('runSearchSql', () => {
  it('keeps every value of the filter out of the SQL text', () => {
    const evil = "x' OR 1=1 --";
    const { text, params } = render(
      runSearchSql({
        ...base,
        filter: `params.\`${evil}\` = "${evil}" AND tags.t LIKE '%' AND attributes.run_id IN ('${evil.replaceAll("'", "''")}')`,
        orderBy: [`metrics.\`${evil}\` DESC`],
      }),
      'params',
    );
    expect(text).not.toContain('OR 1=1');
    expect(Object.values(params)).toContain(evil);
    expect(Object.values(params)).toContainEqual([evil]);
  });

  it('orders by the given entries, then start_time DESC unless given, then run_id', () => {
    const text = (orderBy: string[]) => render(runSearchSql({ ...base, orderBy }), 'params').text;
    expect(text([])).toMatch(/ORDER BY r\.start_time DESC, r\.run_id ASC\n/);
    expect(text(['attributes.start_time ASC'])).toMatch(/ORDER BY r\.`start_time` ASC, r\.run_id ASC\n/);
    expect(text(['metrics.acc DESC'])).toMatch(
      /ORDER BY `o0`\.present = 0 ASC, isNaN\(`o0`\.v\) ASC, `o0`\.v DESC, r\.start_time DESC, r\.run_id ASC/,
    );
  });

  it('filters the lifecycle stage unless all runs are asked for', () => {
    expect(render(runSearchSql(base), 'literals').text).toContain("r.lifecycle_stage = 'active'");
    expect(render(runSearchSql({ ...base, lifecycle: 'deleted' }), 'literals').text).toContain(
      "r.lifecycle_stage = 'deleted'",
    );
    expect(render(runSearchSql({ ...base, lifecycle: 'all' }), 'literals').text).not.toContain('lifecycle_stage');
  });

  it('refuses bad paging and bad filters as 400s', () => {
    expect(() => runSearchSql({ ...base, limit: 1.5 })).toThrow(RunFilterError);
    expect(() => runSearchSql({ ...base, offset: -1 })).toThrow(/offset must be a non-negative integer/);
    expect(() => runSearchSql({ ...base, filter: 'metrics.a > 1 or metrics.b > 2' })).toThrow(/OR is not supported/);
    expect(() => runSearchSql({ ...base, orderBy: ['datasets.name'] })).toThrow(/cannot be ordered by datasets/);
  });
});
