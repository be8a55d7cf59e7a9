import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliReference, referenceIn } from '../../src/cli/reference.js';
import { buildProgram } from '../../src/cli/main.js';
import { repoRoot } from './helpers.js';

test("README.md's CLI reference matches the current commands (regenerate: npm run build && node scripts/cli-reference.mjs)", async () => {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const current = referenceIn(readme);
  assert.ok(current !== undefined, 'README.md has no cli-reference markers');
  assert.equal(current, cliReference(), 'README.md is out of date: run npm run build && node scripts/cli-reference.mjs');
});

test('the reference covers every visible command', () => {
  const reference = cliReference();
  const paths: string[] = [];
  const walk = (cmd: ReturnType<typeof buildProgram>, path: string[]) => {
    for (const sub of cmd.commands) {
      if ((sub as unknown as { _hidden?: boolean })._hidden || sub.name() === 'help') continue;
      paths.push([...path, sub.name()].join(' '));
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(buildProgram(), []);
  assert.ok(paths.length > 30, `only ${paths.length} commands`);
  for (const path of paths) assert.ok(reference.includes(`#### \`tapedeck ${path}\``), `missing ${path}`);
  assert.ok(!reference.includes('__complete'));
});

test('the reference is deterministic (fixed help width, independent of the terminal)', () => {
  const before = process.stdout.columns;
  try {
    (process.stdout as { columns?: number }).columns = 40;
    const narrow = cliReference();
    (process.stdout as { columns?: number }).columns = 200;
    assert.equal(cliReference(), narrow);
  } finally {
    (process.stdout as { columns?: number }).columns = before;
  }
});
