import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headFromFiles } from './git-head.ts';

const root = mkdtempSync(join(tmpdir(), 'stw-git-head-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: root };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], {
    cwd,
    env: { ...clean, GIT_CONFIG_NOSYSTEM: '1' },
    encoding: 'utf8',
  }).trim();

function repo(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'f'), 'x');
  git(dir, 'add', 'f');
  git(dir, 'commit', '-q', '-m', 'one');
  return dir;
}

describe('the checked-out commit, read without starting git', () => {
  it('agrees with git rev-parse HEAD for a branch, from a subdirectory, packed and detached', () => {
    const dir = repo('plain');
    const sub = join(dir, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    const head = git(dir, 'rev-parse', 'HEAD');
    expect(headFromFiles(dir, clean)).toBe(head);
    expect(headFromFiles(sub, clean)).toBe(head);
    git(dir, 'pack-refs', '--all');
    expect(headFromFiles(dir, clean)).toBe(head);
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'two');
    git(dir, 'checkout', '-q', '--detach', 'HEAD~1');
    expect(headFromFiles(sub, clean)).toBe(git(dir, 'rev-parse', 'HEAD'));
  });

  it('says there is no repository outside one', () => {
    const dir = join(root, 'none');
    mkdirSync(dir);
    expect(headFromFiles(dir, clean)).toBe('');
  });

  it('leaves worktrees, unborn branches and GIT_DIR to git', () => {
    const dir = repo('main-tree');
    const other = join(root, 'linked');
    git(dir, 'worktree', 'add', '-q', other);
    expect(headFromFiles(other, clean)).toBeUndefined();
    const empty = join(root, 'empty');
    mkdirSync(empty);
    git(empty, 'init', '-q');
    expect(headFromFiles(empty, clean)).toBeUndefined();
    expect(headFromFiles(dir, { ...clean, GIT_DIR: join(dir, '.git') })).toBeUndefined();
  });
});
