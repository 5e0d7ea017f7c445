import type { LogLevel } from '@stellwerk/contracts';
import { describe, expect, it } from 'vitest';
import { normalizeLevel } from './level.ts';

const CASES: Array<[LogLevel, string[]]> = [
  ['trace', ['trace', 'TRACE', 'Trace', 'trc', 'TRC', 'TRAC', 'verbose', 'VRB', 'v', 'finest', 'FINER']],
  ['debug', ['debug', 'DEBUG', 'Debug', 'dbg', 'DBG', 'DEBU', 'd', 'D', 'fine', '7', '20', '25']],
  [
    'info',
    [
      'info',
      'INFO',
      'Info',
      'inf',
      'INF',
      'information',
      'Information',
      'informational',
      'notice',
      'NOTICE',
      'i',
      'I',
      '5',
      '6',
      '30',
    ],
  ],
  ['warn', ['warn', 'WARN', 'warning', 'WARNING', 'Warning', 'wrn', 'WRN', 'w', 'W', '4', '40']],
  [
    'error',
    ['error', 'ERROR', 'Error', 'err', 'ERR', 'ERRO', 'e', 'E', 'severe', 'SEVERE', 'dpanic', 'DPANIC', '3', '50'],
  ],
  [
    'fatal',
    [
      'fatal',
      'FATAL',
      'FATA',
      'ftl',
      'f',
      'F',
      'critical',
      'CRITICAL',
      'Critical',
      'crit',
      'alert',
      'emerg',
      'emergency',
      'panic',
      'PANI',
      'PANIC',
      'pnc',
      '0',
      '1',
      '2',
      '60',
      '70',
    ],
  ],
];

describe('normalizeLevel', () => {
  for (const [level, raws] of CASES) {
    it.each(raws)(`%s → ${level}`, (raw) => {
      expect(normalizeLevel(raw)).toBe(level);
    });
  }

  it.each(['  warn ', 'wArNiNg', 'ErRoR'])('is case- and space-insensitive: %j', (raw) => {
    expect(normalizeLevel(raw)).not.toBe('info');
  });

  it.each(['', 'verbose-ish', 'LEVEL5', 'success', '8', '9', '1234', 'ünknown'])('unknown %j → info', (raw) => {
    expect(normalizeLevel(raw)).toBe('info');
  });
});
