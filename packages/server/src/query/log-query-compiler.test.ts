import { describe, expect, it } from 'vitest';
import { render } from '../store/sql.ts';
import { logQueryToSql } from './log-query-compiler.ts';
import { QueryParseError } from './log-query-parser.ts';

const literal = (q: string) => render(logQueryToSql(q), 'literals').text;

describe('compileLogQuery: SQL shape', () => {
  it.each([
    ['', '(1)'],
    ['timeout', "(hasToken(lower(message), 'timeout'))"],
    ['TimeOut', "(hasToken(lower(message), 'timeout'))"],
    [
      '127.0.0.1:6060',
      "((hasToken(lower(message), '127')) AND (hasToken(lower(message), '0')) AND (hasToken(lower(message), '1')) AND (hasToken(lower(message), '6060')) AND (positionCaseInsensitive(message, '127.0.0.1:6060') > 0))",
    ],
    ['"::"', "(positionCaseInsensitive(message, '::') > 0)"],
    ['level:WARNING', "(level = 'warn')"],
    ['level:notice2', "(lower(level_raw) = 'notice2')"],
    ['level>=warn', "(level IN ('warn', 'error', 'fatal'))"],
    ['level<trace', '(0)'],
    ['service:api', "(`service` = 'api')"],
    ['run:r1', "(`run_id` = 'r1')"],
    ['service:api*', "(startsWith(`service`, 'api'))"],
    ['http.status>=500', "(mapContains(attr_num, 'http.status') AND attr_num['http.status'] >= toFloat64(500))"],
    [
      'http.status:200',
      "((attr_str['http.status'] = '200') OR (mapContains(attr_num, 'http.status') AND attr_num['http.status'] = toFloat64(200)))",
    ],
    ['user:""', "(mapContains(attr_str, 'user') AND attr_str['user'] = '')"],
    ['resource.k8s.pod:web', "(resource['k8s.pod'] = 'web')"],
    [
      'a OR b -c',
      "((hasToken(lower(message), 'a')) OR ((hasToken(lower(message), 'b')) AND (NOT (hasToken(lower(message), 'c')))))",
    ],
  ])('%j', (query, expected) => {
    expect(literal(query)).toBe(expected);
  });

  it('keeps user text out of the SQL text (params mode)', () => {
    const { text, params } = render(logQueryToSql(`user:"x' OR 1=1 --" "a\\\\b%_"`), 'params');
    expect(text).not.toContain('OR 1=1');
    expect(Object.values(params)).toContain("x' OR 1=1 --");
    expect(Object.values(params)).toContain('a\\b%_');
  });

  it('escapes regex metacharacters in word prefixes', () => {
    expect(literal('a.b%_\\(*')).toBe(
      "((hasToken(lower(message), 'a')) AND (hasToken(lower(message), 'b')) AND (match(message, '(?i)(?:^|[\\\\x00-\\\\x2F\\\\x3A-\\\\x40\\\\x5B-\\\\x60\\\\x7B-\\\\x7F])a\\\\x{2e}b\\\\x{25}\\\\x{5f}\\\\x{28}')))",
    );
  });

  it.each([
    ['service>5', /service can't be used with '>' at 0/],
    ['msg:[1 TO 2]', /msg can't be used with a range at 0/],
    ['status>=abc', /expected a number for status at 0, got 'abc'/],
    ['x d:[5 TO 1]', /empty range \[5 TO 1\] at 2/],
    ['level>=loud', /unknown level 'loud' at 0/],
    ['resource.:x', /expected a resource key/],
  ])('%j fails', (query, message) => {
    expect(() => logQueryToSql(query)).toThrow(QueryParseError);
    expect(() => logQueryToSql(query)).toThrow(message);
  });
});
