import { describe, expect, it } from 'vitest';
import { insertDataFormat, insertFromFile, mayChangeConnectionState, outputFormat } from './sql-shape.ts';

describe('sql-shape', () => {
  it('recognises inserts whose data follows', () => {
    expect(insertDataFormat('INSERT INTO t (a, b) FORMAT JSONEachRow')).toBe('JSONEachRow');
    expect(insertDataFormat('insert into db.t SETTINGS x=1 format TabSeparated\n')).toBe('TabSeparated');
    expect(insertDataFormat('INSERT INTO t VALUES (1)')).toBeNull();
    expect(insertDataFormat('SELECT 1 FORMAT JSON')).toBeNull();
  });

  it('reads an insert from a file: FROM INFILE after the table and columns, before SETTINGS and FORMAT', () => {
    expect(insertFromFile('INSERT INTO metric_samples (metric, ts) FORMAT RowBinary', "/d/it's.data")).toBe(
      "INSERT INTO metric_samples (metric, ts) FROM INFILE '/d/it\\'s.data' FORMAT RowBinary",
    );
    expect(insertFromFile('insert into db.`t` SETTINGS x=1 format TabSeparated\n', '/f')).toBe(
      "insert into db.`t` FROM INFILE '/f' SETTINGS x=1 format TabSeparated",
    );
    expect(insertFromFile('INSERT INTO t SELECT 1 FORMAT JSON', '/f')).toBeNull();
    expect(insertFromFile("INSERT INTO t FUNCTION file('x') FORMAT TSV", '/f')).toBeNull();
  });

  it('flags statements that can change connection state', () => {
    expect(mayChangeConnectionState('SET max_threads = 1')).toBe(true);
    expect(mayChangeConnectionState('use db')).toBe(true);
    expect(mayChangeConnectionState('CREATE TEMPORARY TABLE x (a UInt8)')).toBe(true);
    expect(mayChangeConnectionState('SELECT 1 SETTINGS max_threads = 1')).toBe(false);
    expect(mayChangeConnectionState('ALTER TABLE t MODIFY SETTING x = 1')).toBe(false);
  });

  it('reads the trailing output format', () => {
    expect(outputFormat('SELECT 1 FORMAT JSONEachRow', 'TabSeparated')).toBe('JSONEachRow');
    expect(outputFormat('SELECT 1', 'TabSeparated')).toBe('TabSeparated');
  });
});
