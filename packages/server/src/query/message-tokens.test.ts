import { describe, expect, it } from 'vitest';
import { asciiLower, tokenize } from './message-tokens.ts';

describe('tokenize (like ClickHouse tokenbf / hasToken)', () => {
  it.each([
    ['timeout', ['timeout']],
    ['127.0.0.1:6060', ['127', '0', '0', '1', '6060']],
    ['  a--b__c  ', ['a', 'b', 'c']],
    ['héllo wörld', ['héllo', 'wörld']],
    ['日本語 text', ['日本語', 'text']],
    ['', []],
    ['::', []],
  ])('%j', (input, tokens) => {
    expect(tokenize(input)).toEqual(tokens);
  });

  it('lowercases ASCII only, like lower()', () => {
    expect(asciiLower('HÉLLO World')).toBe('hÉllo world');
  });
});
