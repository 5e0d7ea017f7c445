import { describe, expect, it } from 'vitest';
import { MAX_QUERY_LENGTH, parseLogQuery, type QueryNode, QueryParseError } from './log-query-parser.ts';

/** AST without positions, so the tables stay readable; positions have their own tests. */
function strip(node: QueryNode): unknown {
  switch (node.type) {
    case 'all':
      return node;
    case 'and':
    case 'or':
      return { type: node.type, children: node.children.map(strip) };
    case 'not':
      return { type: 'not', child: strip(node.child) };
    default: {
      const { pos: _pos, ...rest } = node;
      return rest;
    }
  }
}

const text = (value: string, quoted = false) => ({ type: 'text', value, quoted });
const match = (field: string, value: string, quoted = false) => ({ type: 'match', field, value, quoted });
const and = (...children: unknown[]) => ({ type: 'and', children });
const or = (...children: unknown[]) => ({ type: 'or', children });
const not = (child: unknown) => ({ type: 'not', child });

describe('parseLogQuery: valid queries', () => {
  const cases: Array<[string, unknown]> = [
    ['', { type: 'all' }],
    ['   ', { type: 'all' }],
    ['*', { type: 'all' }],
    ['timeout', text('timeout')],
    ['"address already in use"', text('address already in use', true)],
    ['"say \\"hi\\" \\\\ bye"', text('say "hi" \\ bye', true)],
    ['time*', { type: 'textPrefix', prefix: 'time' }],
    ['"time*"', text('time*', true)],
    ['time\\*', text('time*')],
    ['127.0.0.1:6060', text('127.0.0.1:6060')],
    ['::1', text('::1')],
    ['https://example.com/a?b=c', text('https://example.com/a?b=c')],
    ['status=500', text('status=500')],
    ['<html>', text('<html>')],
    ['and or not', and(text('and'), text('or'), text('not'))],
    ['"AND"', text('AND', true)],
    ['level:error', match('level', 'error')],
    ['service:api', match('service', 'api')],
    ['user:"john doe"', match('user', 'john doe', true)],
    ['user:""', match('user', '', true)],
    ['http.status:200', match('http.status', '200')],
    ['x-request-id:abc-123', match('x-request-id', 'abc-123')],
    ['@http.status:200', match('http.status', '200')],
    ['url:https://x.y/z', match('url', 'https://x.y/z')],
    ['path:a\\ b', match('path', 'a b')],
    ['msg:a:b', match('msg', 'a:b')],
    ['status>=500', { type: 'compare', field: 'status', op: '>=', value: '500' }],
    ['status>500', { type: 'compare', field: 'status', op: '>', value: '500' }],
    ['status<500', { type: 'compare', field: 'status', op: '<', value: '500' }],
    ['status<=500', { type: 'compare', field: 'status', op: '<=', value: '500' }],
    ['status:>=500', { type: 'compare', field: 'status', op: '>=', value: '500' }],
    ['temp>-5.5', { type: 'compare', field: 'temp', op: '>', value: '-5.5' }],
    ['level>=warn', { type: 'compare', field: 'level', op: '>=', value: 'warn' }],
    ['latency_ms:[100 TO 500]', { type: 'range', field: 'latency_ms', from: '100', to: '500' }],
    ['latency_ms:[  100   TO 500 ]', { type: 'range', field: 'latency_ms', from: '100', to: '500' }],
    ['latency_ms:[* TO 500]', { type: 'range', field: 'latency_ms', from: null, to: '500' }],
    ['path:/api/*', { type: 'prefix', field: 'path', prefix: '/api/' }],
    ['user:*', { type: 'exists', field: 'user' }],
    ['has:user', { type: 'exists', field: 'user' }],
    ['has:"http.status"', { type: 'exists', field: 'http.status' }],
    ['resource.k8s.pod:web-1', match('resource.k8s.pod', 'web-1')],
    ['-user:bot', not(match('user', 'bot'))],
    ['-timeout', not(text('timeout'))],
    ['-"connection reset"', not(text('connection reset', true))],
    ['NOT timeout', not(text('timeout'))],
    ['NOT NOT a', not(not(text('a')))],
    ['-(a OR b)', not(or(text('a'), text('b')))],
    ['NOT(a)', not(text('a'))],
    ['a b', and(text('a'), text('b'))],
    ['a AND b', and(text('a'), text('b'))],
    ['a OR b', or(text('a'), text('b'))],
    ['a OR b OR c', or(text('a'), text('b'), text('c'))],
    ['a b OR c', or(and(text('a'), text('b')), text('c'))],
    ['a OR b c', or(text('a'), and(text('b'), text('c')))],
    ['a OR b AND c', or(text('a'), and(text('b'), text('c')))],
    ['NOT a b', and(not(text('a')), text('b'))],
    ['NOT a OR b', or(not(text('a')), text('b'))],
    ['(a OR b) AND NOT c', and(or(text('a'), text('b')), not(text('c')))],
    ['(a OR b) c', and(or(text('a'), text('b')), text('c'))],
    ['((a))', text('a')],
    ['(a b) (c d)', and(text('a'), text('b'), text('c'), text('d'))],
    ['(a OR b) OR (c OR d)', or(text('a'), text('b'), text('c'), text('d'))],
    ['service:api AND level:error', and(match('service', 'api'), match('level', 'error'))],
    [
      'service:api level:error -user:bot',
      and(match('service', 'api'), match('level', 'error'), not(match('user', 'bot'))),
    ],
    ['(level:error)timeout', and(match('level', 'error'), text('timeout'))],
    ['* level:error', match('level', 'error')],
    ['* OR level:error', { type: 'all' }],
    ['héllo wörld', and(text('héllo'), text('wörld'))],
    ['a\tb\nc', and(text('a'), text('b'), text('c'))],
  ];
  it.each(cases)('%j', (query, expected) => {
    expect(strip(parseLogQuery(query))).toEqual(expected);
  });
});

describe('parseLogQuery: positions', () => {
  it('records where each term starts', () => {
    expect(parseLogQuery('a  -user:bot "x y"')).toEqual({
      type: 'and',
      children: [
        { type: 'text', value: 'a', quoted: false, pos: 0 },
        { type: 'not', child: { type: 'match', field: 'user', value: 'bot', quoted: false, pos: 4 } },
        { type: 'text', value: 'x y', quoted: true, pos: 13 },
      ],
    });
  });
});

describe('parseLogQuery: errors', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['level:error)', 11, /^unexpected '\)' at 11: remove it or add a matching '\('$/],
    ['(a OR b) AND c)', 14, /unexpected '\)' at 14: remove it or add a matching '\('/],
    ['(a OR b', 0, /unclosed '\(' at 0: add a matching '\)'/],
    ['x ((a) b', 2, /unclosed '\(' at 2/],
    ['()', 0, /empty parentheses at 0/],
    ['a OR', 4, /query ends too early at 4: expected a term after 'OR' at 2/],
    ['a AND', 5, /after 'AND' at 2/],
    ['NOT', 3, /after 'NOT' at 0/],
    ['OR a', 0, /unexpected 'OR' at 0: OR needs a term on both sides/],
    ['a AND OR b', 6, /unexpected 'OR' at 6/],
    ['(a AND)', 6, /unexpected '\)' at 6: expected a term after 'AND' at 3/],
    ['- a', 0, /'-' at 0 must be followed directly/],
    ['a -', 2, /'-' at 2/],
    ['"unterminated', 0, /unterminated phrase starting at 0: add a closing '"'/],
    ['msg:"abc', 4, /unterminated phrase starting at 4/],
    ['""', 0, /empty phrase at 0/],
    ['foo"bar"', 3, /unexpected '"' at 3/],
    ['"a"b', 3, /expected a space at 3/],
    ['level:', 6, /expected a value after 'level:' at 6/],
    ['level: error', 6, /expected a value after 'level:' at 6/],
    ['(level:)', 7, /expected a value after 'level:' at 7/],
    ['status>=', 8, /expected a value after 'status>=' at 8/],
    ['status>=*', 8, /'\*' can't be compared/],
    ['status >= 500', 7, /'>=' at 7 needs a field name right before it/],
    ['fo*o', 2, /'\*' at 2: wildcards only work at the end of a word/],
    ['path:/a*/b', 7, /'\*' at 7: wildcards only work at the end/],
    ['foo\\', 3, /'\\' at 3 escapes nothing/],
    ['d:[1 500]', 5, /expected 'TO' at 5/],
    ['d:[1 TO 500', 11, /expected '\]' at 11 to close the range opened at 2/],
    ['d:[]', 3, /expected the lower bound at 3/],
    ['d:[1 TO ]', 8, /expected the upper bound at 8/],
    ['d:[1 TO 2]x', 10, /expected a space at 10/],
    ['has:*', 4, /has: takes a field name at 4/],
    ['x'.repeat(MAX_QUERY_LENGTH + 1), MAX_QUERY_LENGTH, /query is too long/],
    [`${'('.repeat(100)}a${')'.repeat(100)}`, 64, /nests too deeply/],
    [`${'NOT '.repeat(100)}a`, 256, /nests too deeply/],
  ];
  it.each(cases)('%j → position %i', (query, position, message) => {
    let error: unknown;
    try {
      parseLogQuery(query);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(QueryParseError);
    const e = error as QueryParseError;
    expect(e.message).toMatch(message);
    expect(e.position).toBe(position);
    // The API renders it as a 400 with the position for highlighting.
    expect(e.code).toBe('STW_ERR_BAD_QUERY');
    expect(e.extra).toEqual({ position });
  });
});
