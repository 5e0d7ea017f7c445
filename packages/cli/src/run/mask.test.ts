import { describe, expect, it } from 'vitest';
import { isSecretName, maskArgs, maskedCommandLine, maskUrlPasswords } from './mask.ts';

describe('masking secrets in a command line', () => {
  it.each([
    [
      ['train.py', '--password=hunter2'],
      ['train.py', '--password=***'],
    ],
    [
      ['--token', 'abc', '--epochs', '3'],
      ['--token', '***', '--epochs', '3'],
    ],
    [
      ['--api-key', 'k1', '--apiKey=k2', '--auth_token', 't'],
      ['--api-key', '***', '--apiKey=***', '--auth_token', '***'],
    ],
    [
      ['AWS_SECRET_ACCESS_KEY=s3cr3t', 'DB_PASSWORD=pw', 'GH_TOKEN=x'],
      ['AWS_SECRET_ACCESS_KEY=***', 'DB_PASSWORD=***', 'GH_TOKEN=***'],
    ],
    [
      ['MY_CREDENTIALS=a', 'client.secret=b'],
      ['MY_CREDENTIALS=***', 'client.secret=***'],
    ],
    [['--db=postgres://alice:pw@db:5432/x'], ['--db=postgres://alice:***@db:5432/x']],
    [
      ['https://u:p@host/path', 'http://host:8080/x'],
      ['https://u:***@host/path', 'http://host:8080/x'],
    ],
    // Not secrets: look-alike names, flags without a value, ordinary words.
    [
      ['--keyword', 'cat', '--monkey=1', 'EPOCHS=3'],
      ['--keyword', 'cat', '--monkey=1', 'EPOCHS=3'],
    ],
    [
      ['--token', '--verbose'],
      ['--token', '--verbose'],
    ],
  ])('%j → %j', (input, expected) => {
    expect(maskArgs(input)).toEqual(expected);
  });

  it('tells secret names from look-alikes', () => {
    for (const n of ['--password', 'SECRET', 'apiKey', 'private-key', 'x_credential', 'PASSWD'])
      expect(isSecretName(n)).toBe(true);
    for (const n of ['--keyword', 'monkey', 'tokenizer', 'EPOCHS', 'passage']) expect(isSecretName(n)).toBe(false);
  });

  it('masks URL passwords inside longer text and keeps users', () => {
    expect(maskUrlPasswords('connect redis://:pw@r:6379 and amqp://guest:guest@mq/')).toBe(
      'connect redis://:***@r:6379 and amqp://guest:***@mq/',
    );
  });

  it('renders the command line with shell quoting only where needed', () => {
    expect(maskedCommandLine(['python3', 'train.py', '--name', 'a b', "it's", '--token=x'])).toBe(
      `python3 train.py --name 'a b' 'it'\\''s' --token=***`,
    );
  });
});
