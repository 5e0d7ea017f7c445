import { describe, expect, it } from 'vitest';
import { quickRunArgs } from './args.ts';

const defaults = { param: [], tag: [], sampleInterval: '1s' };

describe("stellwerk run's flags without commander", () => {
  it('reads the command after -- and every flag in both spellings', () => {
    expect(
      quickRunArgs([
        '--server',
        'http://stw:8420',
        '--token=t0k',
        '--experiment',
        'churn',
        '--param',
        'lr=0.01',
        '--param=a=b=c',
        '--tag',
        'team=ml',
        '--sample-interval',
        '500ms',
        '--pty',
        '--name=',
        '--',
        'python3',
        'train.py',
        '--epochs',
        '3',
      ]),
    ).toEqual({
      command: ['python3', 'train.py', '--epochs', '3'],
      opts: {
        server: 'http://stw:8420',
        token: 't0k',
        experiment: 'churn',
        param: ['lr=0.01', 'a=b=c'],
        tag: ['team=ml'],
        sampleInterval: '500ms',
        pty: true,
        name: '',
      },
    });
  });

  it('starts the command at the first word that is not an option, and keeps the rest as it is', () => {
    expect(quickRunArgs(['--step', 'prep', 'sh', '-c', 'x', '--', '--server', 'y'])).toEqual({
      command: ['sh', '-c', 'x', '--', '--server', 'y'],
      opts: { ...defaults, step: 'prep' },
    });
    expect(quickRunArgs(['--', '-weird-name'])).toEqual({ command: ['-weird-name'], opts: defaults });
  });

  it('the last of a repeated flag wins, as with commander', () => {
    expect(quickRunArgs(['--server', 'a', '--server', 'b', 'true'])?.opts.server).toBe('b');
  });

  it('leaves help, unknown flags, missing values and a missing command to commander', () => {
    for (const args of [
      ['--help', '--', 'true'],
      ['-h', 'true'],
      ['--verbose', '--', 'true'],
      ['--pty=yes', '--', 'true'],
      ['--server'],
      ['--server', '--', 'true'],
      ['--name', '-x', '--', 'true'],
      ['--experiment', 'x'],
      ['--'],
      [],
    ]) {
      expect(quickRunArgs(args), JSON.stringify(args)).toBeUndefined();
    }
  });
});
