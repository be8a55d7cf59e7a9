import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sandbox, show, type Sandbox } from './helpers.js';

let box: Sandbox;
before(async () => {
  box = await sandbox();
});
after(async () => {
  await box.cleanup();
});

function has(shell: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
}

test('completion bash: valid bash that completes command paths and option values', async () => {
  const r = await box.run(['completion', 'bash']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /complete -F _tapedeck tapedeck/);
  const script = join(box.dir, 'tapedeck.bash');
  await writeFile(script, r.stdout);
  const check = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  const complete = (words: string[]) => {
    const cword = words.length - 1;
    const program = `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${cword}; _tapedeck; echo "\${COMPREPLY[*]}"`;
    const out = spawnSync('bash', ['-c', program], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    return out.stdout.trim().split(/\s+/).filter(Boolean);
  };
  assert.deepEqual(complete(['tapedeck', 'permission', 'grant', '']), ['storage', 'network', 'environment-variable', 'memory']);
  assert.deepEqual(complete(['tapedeck', 'permission', 'revoke', '']), ['storage', 'network', 'environment-variable', 'memory']);
  assert.deepEqual(complete(['tapedeck', '--component-dir', 'x', 'component', 'l']), ['load', 'list']);
  assert.deepEqual(complete(['tapedeck', 'component', 'list', '-o', '']), ['json', 'yaml', 'table']);
  assert.ok(complete(['tapedeck', 'serve', '--']).includes('--streamable-http'));
  assert.ok(complete(['tapedeck', 'tool', 'invoke', 'x', '--']).includes('--args'));
});

test('autocomplete is an alias (Wassette name)', async () => {
  const r = await box.run(['autocomplete', 'bash']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /_tapedeck\(\)/);
});

test('completion zsh and fish produce scripts (syntax-checked when the shell is installed)', async () => {
  const zsh = await box.run(['completion', 'zsh']);
  assert.equal(zsh.code, 0, show(zsh));
  assert.match(zsh.stdout, /^#compdef tapedeck/);
  if (has('zsh')) {
    const path = join(box.dir, '_tapedeck');
    await writeFile(path, zsh.stdout);
    const check = spawnSync('zsh', ['-n', path], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    // Drive the function with stand-ins for zsh's completion builtins.
    const driver = [
      'compdef() { : }',
      '_describe() { local arr=${@[-1]}; print -l -- ${(P)arr} }',
      'compadd() { [[ $1 == -- ]] && shift; print -l -- "$@" }',
      '_files() { print FILES }',
      `source ${path}`,
      "words=(tapedeck permission grant ''); CURRENT=4; _tapedeck",
      "words=(tapedeck -o ''); CURRENT=3; _tapedeck",
    ].join('\n');
    const out = spawnSync('zsh', ['-c', driver], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(
      out.stdout.trim().split('\n').map((l) => l.split(':')[0]),
      ['storage', 'network', 'environment-variable', 'memory', 'json', 'yaml', 'table'],
    );
  }
  const fish = await box.run(['completion', 'fish']);
  assert.equal(fish.code, 0, show(fish));
  assert.match(fish.stdout, /complete -c tapedeck -n '__tapedeck_at component' -a 'load'/);
  if (has('fish')) {
    const path = join(box.dir, 'tapedeck.fish');
    await writeFile(path, fish.stdout);
    const check = spawnSync('fish', ['--no-execute', path], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    const out = spawnSync('fish', ['-c', `source ${path}; complete -C "tapedeck permission grant "`], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(out.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['environment-variable', 'memory', 'network', 'storage']);
  }
});

test('completion with an unknown shell: exit 2', async () => {
  const r = await box.run(['completion', 'powershell']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: unsupported shell 'powershell': use bash, zsh or fish/);
});

test('__complete ids lists component ids (used by the scripts)', async () => {
  const r = await box.run(['__complete', 'ids']);
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, '');
});
