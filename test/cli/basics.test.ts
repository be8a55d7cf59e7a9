import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, sandbox, show, type Sandbox } from './helpers.js';

let box: Sandbox;
before(async () => {
  box = await sandbox();
});
after(async () => {
  await box.cleanup();
});

test('--version prints the package.json version', async () => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const r = await box.run(['--version']);
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout.trim(), pkg.version);
  const short = await box.run(['-V']);
  assert.equal(short.stdout.trim(), pkg.version);
});

test('--help lists every command group and exits 0', async () => {
  const r = await box.run(['--help']);
  assert.equal(r.code, 0, show(r));
  for (const name of ['serve', 'run', 'component', 'policy', 'permission', 'secret', 'tool', 'registry', 'inspect', 'manifest', 'completion']) {
    assert.match(r.stdout, new RegExp(`^  ${name}\\b`, 'm'), `missing ${name} in help`);
  }
  assert.match(r.stdout, /--component-dir <dir>/);
  assert.match(r.stdout, /--plugin-dir <dir>/);
  assert.match(r.stdout, /-o, --output-format <format>/);
});

test('--help starts fast (no runtime, server or jco imported)', async () => {
  const started = performance.now();
  const r = await box.run(['--help']);
  const elapsed = performance.now() - started;
  assert.equal(r.code, 0);
  // Generous bound for slow CI machines; typical is ~150 ms including node start-up.
  assert.ok(elapsed < 3000, `tapedeck --help took ${elapsed.toFixed(0)} ms`);
});

test('subcommand help exits 0', async () => {
  for (const args of [['component', 'load', '--help'], ['permission', 'grant', 'storage', '--help'], ['tool', 'invoke', '--help'], ['serve', '--help']]) {
    const r = await box.run(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${show(r)}`);
    assert.match(r.stdout, /^Usage: tapedeck /);
  }
});

test('unknown command: exit 2 with Error: and a suggestion', async () => {
  const r = await box.run(['componnt', 'list']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: unknown command 'componnt'/);
  assert.match(r.stderr, /Did you mean component\?/);
});

test('unknown option: exit 2', async () => {
  const r = await box.run(['component', 'list', '--frobnicate']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: unknown option '--frobnicate'/);
});

test('missing argument: exit 2', async () => {
  const r = await box.run(['component', 'unload']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: missing required argument 'id'/);
});

test('bad -o value: exit 2 naming the allowed formats (before or after the subcommand)', async () => {
  for (const args of [['-o', 'xml', 'component', 'list'], ['component', 'list', '-o', 'xml'], ['component', 'list', '--output-format=csv']]) {
    const r = await box.run(args);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /^Error: option '-o, --output-format <format>' argument '(xml|csv)' is invalid\. Allowed choices are json, yaml, table\./);
    assert.equal(r.stdout, '');
  }
});

test('bad --log-level: exit 2', async () => {
  const r = await box.run(['--log-level', 'loud', 'component', 'list']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /argument 'loud' is invalid/);
});

test('component list: JSON when stdout is not a terminal, yaml and table on request', async () => {
  const r = await box.run(['component', 'list']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(JSON.parse(r.stdout), { components: [], total: 0 });
  const y = await box.run(['component', 'list', '-o', 'yaml']);
  assert.equal(y.stdout, 'components: []\ntotal: 0\n');
  const t = await box.run(['-o', 'table', 'component', 'list']);
  assert.match(t.stdout, /^No components loaded\./);
});

test('the default component directory is $XDG_DATA_HOME/tapedeck/components', async () => {
  const r = await box.run(['component', 'list']);
  assert.equal(r.code, 0, show(r));
  const { stat } = await import('node:fs/promises');
  assert.ok((await stat(box.componentDir)).isDirectory());
});

test('logs never go to stdout', async () => {
  const r = await box.run(['--log-level', 'trace', 'component', 'list']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(JSON.parse(r.stdout), { components: [], total: 0 });
});

test('TAPEDECK_DEBUG prints the stack of an error', async () => {
  const r = await box.run(['component', 'unload', 'nope'], { env: { TAPEDECK_DEBUG: '1' } });
  assert.equal(r.code, 3, show(r));
  assert.match(r.stderr, /^Error: Component 'nope' not found\n/);
  assert.match(r.stderr, /\n\s+at /);
});

test('bin/tapedeck without dist/ says to build first', async () => {
  const { cp, mkdir } = await import('node:fs/promises');
  const copy = join(box.dir, 'pkg');
  await mkdir(join(copy, 'bin'), { recursive: true });
  await cp(join(repoRoot, 'bin/tapedeck'), join(copy, 'bin/tapedeck'));
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, [join(copy, 'bin/tapedeck'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /run npm run build first/);
});
