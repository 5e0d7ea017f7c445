import { describe, expect, it } from 'vitest';
import { RowBinaryReader } from './row-binary-reader.ts';

describe('RowBinaryReader', () => {
  it('reads UInt64 beyond 2^53 exactly, Int64, UInt32, UInt8 and non-finite Float64 in row order', () => {
    const rows: Array<[bigint, bigint, number, number, number]> = [
      [18446744073709551615n, 1_795_651_592_259n, Number.NaN, 7, 1],
      [18446744073709551615n, -1n, Number.POSITIVE_INFINITY, 0, 0],
      [9007199254740993n, 0n, Number.NEGATIVE_INFINITY, 4294967295, 255],
      [1n, 9007199254740991n, -0.5, 1, 0],
    ];
    const bytes = Buffer.alloc(rows.length * 29);
    let o = 0;
    for (const [fp, t, v, u32, u8] of rows) {
      o = bytes.writeBigUInt64LE(fp, o);
      o = bytes.writeBigInt64LE(t, o);
      o = bytes.writeDoubleLE(v, o);
      o = bytes.writeUInt32LE(u32, o);
      o = bytes.writeUInt8(u8, o);
    }
    const read: unknown[][] = [];
    for (const r = new RowBinaryReader(bytes); !r.done; ) {
      read.push([r.uint64Text(), r.int64(), r.float64(), r.uint32(), r.uint8()]);
    }
    expect(read).toEqual([
      ['18446744073709551615', 1_795_651_592_259, Number.NaN, 7, 1],
      ['18446744073709551615', -1, Number.POSITIVE_INFINITY, 0, 0],
      ['9007199254740993', 0, Number.NEGATIVE_INFINITY, 4294967295, 255],
      ['1', 9007199254740991, -0.5, 1, 0],
    ]);
  });
});
