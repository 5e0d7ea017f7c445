import { describe, expect, it } from 'vitest';
import { encodePageToken } from '../page-token.ts';
import {
  keyValueMap,
  maxResultsOf,
  nextPageOf,
  optionalInt,
  pageOffsetOf,
  requiredDouble,
  runIdOf,
  searchPageOf,
  stringList,
  viewTypeOf,
} from './request.ts';

describe('MLflow request fields', () => {
  it('reads int64 fields as numbers or decimal strings, and refuses anything else', () => {
    expect(optionalInt({ t: 1700000000000 }, 't')).toBe(1700000000000);
    expect(optionalInt({ t: '1700000000000' }, 't')).toBe(1700000000000);
    expect(optionalInt({}, 't')).toBeUndefined();
    expect(() => optionalInt({ t: '1.5' }, 't')).toThrow(/expected an integer/);
    expect(() => optionalInt({ t: 'soon' }, 't')).toThrow(/parameter 't'/);
  });

  it("reads doubles, with protobuf's words for non-finite values", () => {
    expect(requiredDouble({ v: 0.5 }, 'v')).toBe(0.5);
    expect(requiredDouble({ v: '0.25' }, 'v')).toBe(0.25);
    expect(requiredDouble({ v: 'NaN' }, 'v')).toBeNaN();
    expect(requiredDouble({ v: '-Infinity' }, 'v')).toBe(Number.NEGATIVE_INFINITY);
    expect(() => requiredDouble({}, 'v')).toThrow(/Missing value for required parameter 'v'/);
    expect(() => requiredDouble({ v: true }, 'v')).toThrow(/expected a number/);
  });

  it('takes run_id or run_uuid', () => {
    expect(runIdOf({ run_uuid: 'abc' })).toBe('abc');
    expect(runIdOf({ run_id: 'a', run_uuid: 'b' })).toBe('a');
    expect(() => runIdOf({})).toThrow(/'run_id'/);
  });

  it('reads repeated fields from arrays or single query parameters', () => {
    expect(stringList({ ids: ['1', 2] }, 'ids')).toEqual(['1', '2']);
    expect(stringList({ ids: '1' }, 'ids')).toEqual(['1']);
    expect(keyValueMap({ tags: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }, { key: 'b' }] }, 'tags')).toEqual({
      a: '2',
      b: '',
    });
    expect(() => keyValueMap({ tags: ['a'] }, 'tags')).toThrow(/list of objects/);
  });

  it('maps view types by name or number, and bounds max_results', () => {
    expect(viewTypeOf({}, 'v')).toBe('active');
    expect(viewTypeOf({ v: 'deleted_only' }, 'v')).toBe('deleted');
    expect(viewTypeOf({ v: 3 }, 'v')).toBe('all');
    expect(() => viewTypeOf({ v: 'SOME' }, 'v')).toThrow(/ACTIVE_ONLY, DELETED_ONLY or ALL/);
    expect(maxResultsOf({}, 1000, 50000)).toBe(1000);
    expect(() => maxResultsOf({ max_results: 0 }, 1000, 50000)).toThrow(/positive integer/);
    expect(() => maxResultsOf({ max_results: 50001 }, 1000, 50000)).toThrow(/at most 50000, but got value 50001/);
  });

  it('round-trips page tokens and refuses foreign ones', () => {
    expect(pageOffsetOf({ page_token: encodePageToken(40) })).toBe(40);
    expect(pageOffsetOf({})).toBe(0);
    expect(() => pageOffsetOf({ page_token: 'bm90IGpzb24=' })).toThrow(/Invalid page token/);
    expect(() => pageOffsetOf({ page_token: Buffer.from('{"offset":-1}').toString('base64') })).toThrow();
  });

  it('pages searches with the MLflow default and ceiling, and hands out a token only when more follow', () => {
    expect(searchPageOf({})).toEqual({ limit: 1000, offset: 0 });
    expect(searchPageOf({ max_results: 10, page_token: encodePageToken(20) })).toEqual({ limit: 10, offset: 20 });
    expect(() => searchPageOf({ max_results: 50001 })).toThrow(/at most 50000/);
    expect(pageOffsetOf({ page_token: nextPageOf(20, 10, true).next_page_token })).toBe(30);
    expect(nextPageOf(20, 10, false)).toEqual({});
  });
});
