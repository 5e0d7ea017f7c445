import { describe, expect, it } from 'vitest';
import { render, type Sql } from '../store/sql.ts';
import { experimentFilterSql, experimentOrderSql } from './experiment-filter.ts';

const text = (s: Sql | undefined) => (s ? render(s, 'params') : undefined);

describe('experiment filter', () => {
  it('compiles name, tag and time clauses joined by AND, values as parameters', () => {
    const r = text(
      experimentFilterSql('name LIKE \'exp-%\' AND tags.`my team` = "red" AND creation_time >= 1700000000000'),
    );
    expect(r?.text).toBe(
      'like(name, {p0:String}) AND mapContains(tags, {p1:String}) AND tags[{p2:String}] = {p3:String} AND toUnixTimestamp64Milli(creation_time) >= {p4:Int64}',
    );
    expect(r?.params).toEqual({ p0: 'exp-%', p1: 'my team', p2: 'my team', p3: 'red', p4: '1700000000000' });
    expect(text(experimentFilterSql("attribute.name ILIKE '%X%'"))?.text).toBe('ilike(name, {p0:String})');
  });

  it('treats an empty filter as no filter', () => {
    expect(experimentFilterSql('')).toBeUndefined();
    expect(experimentFilterSql('   ')).toBeUndefined();
  });

  it.each([
    ['name = exp', /compared with a quoted string/],
    ["name < 'a'", /Invalid comparator '<' for name/],
    ["name = 'a' OR name = 'b'", /Expected AND/],
    ["owner = 'a'", /Invalid attribute 'owner'/],
    ["metrics.x = 'a'", /Invalid entity type 'metrics'/],
    ["creation_time > 'yesterday'", /integer \(epoch milliseconds\)/],
    ["name = 'open", /Unterminated string/],
    ['name =', /Expected a value/],
  ])('refuses %s naming the problem', (filter, message) => {
    expect(() => experimentFilterSql(filter)).toThrow(message);
  });

  it('orders by known columns and breaks ties by experiment id', () => {
    expect(text(experimentOrderSql(['name DESC', 'attribute.creation_time']))?.text).toBe(
      'name DESC, creation_time ASC, toUInt64OrZero(experiment_id) ASC',
    );
    expect(text(experimentOrderSql(['experiment_id DESC']))?.text).toBe('toUInt64OrZero(experiment_id) DESC');
    expect(experimentOrderSql([])).toBeUndefined();
    expect(() => experimentOrderSql(['tags.x'])).toThrow(/Invalid order_by entry 'tags.x'/);
  });
});
