import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { json, sandbox, show, type Sandbox } from './helpers.js';

let box: Sandbox;
before(async () => {
  box = await sandbox();
});
after(async () => {
  await box.cleanup();
});

test('secret set / list / delete, with 0700 directory and 0600 files', async () => {
  let r = await box.run(['secret', 'set', 'weather', 'API_KEY=abc123', 'REGION=eu=west']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { status: 'secrets set successfully', component_id: 'weather', keys: ['API_KEY', 'REGION'] });
  assert.match(r.stderr, /note: component 'weather' is not loaded/);
  assert.equal((await stat(box.secretsDir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(box.secretsDir, 'weather.yaml'))).mode & 0o777, 0o600);

  // Values are hidden unless --show-values.
  r = await box.run(['secret', 'list', 'weather']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { component_id: 'weather', secrets: [{ key: 'API_KEY' }, { key: 'REGION' }], total: 2 });
  assert.ok(!r.stdout.includes('abc123'));
  r = await box.run(['secret', 'list', 'weather', '-o', 'table']);
  assert.ok(!r.stdout.includes('abc123'), r.stdout);
  assert.match(r.stdout, /API_KEY +\| \*{8} \(use --show-values\)/);

  r = await box.run(['secret', 'list', 'weather', '--show-values', '--yes']);
  assert.deepEqual(json(r).secrets, [
    { key: 'API_KEY', value: 'abc123' },
    { key: 'REGION', value: 'eu=west' },
  ]);
  r = await box.run(['secret', 'list', 'weather', '--show-values', '-o', 'yaml']);
  assert.match(r.stdout, /value: abc123/);

  // Without an id: the components that have secrets.
  r = await box.run(['secret', 'list']);
  assert.deepEqual(json(r), { components: [{ component_id: 'weather', keys: 2 }], total: 1 });

  r = await box.run(['secret', 'delete', 'weather', 'REGION']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { status: 'secrets deleted successfully', component_id: 'weather', keys: ['REGION'] });
  assert.doesNotMatch(await readFile(join(box.secretsDir, 'weather.yaml'), 'utf8'), /REGION/);
});

test("secret set accepts Wassette's `KEY VALUE` form and --stdin", async () => {
  let r = await box.run(['secret', 'set', 'tool', 'TOKEN', 'value with spaces']);
  assert.equal(r.code, 0, show(r));
  r = await box.run(['secret', 'set', 'tool', '--stdin'], { input: 'FROM_STDIN="s3cr3t"\n# comment\nOTHER=x\n' });
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r).keys, ['FROM_STDIN', 'OTHER']);
  r = await box.run(['secret', 'list', 'tool', '--show-values']);
  assert.deepEqual(json(r).secrets, [
    { key: 'FROM_STDIN', value: 's3cr3t' },
    { key: 'OTHER', value: 'x' },
    { key: 'TOKEN', value: 'value with spaces' },
  ]);
});

test('secret errors: bad pair, bad key, bad id, unknown key, nothing given', async () => {
  let r = await box.run(['secret', 'set', 'tool', 'A=1', 'novalue']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: invalid secret 'novalue': use KEY=VALUE/);

  r = await box.run(['secret', 'set', 'tool', '1BAD=x']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: invalid secret key '1BAD'/);

  r = await box.run(['secret', 'set', '../escape', 'A=1']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: invalid component id '\.\.\/escape'/);

  r = await box.run(['secret', 'set', 'tool']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: give at least one KEY=VALUE/);

  await box.run(['secret', 'set', 'tool2', 'KEEP=1']);
  r = await box.run(['secret', 'delete', 'tool2', 'KEEP', 'MISSING']);
  assert.equal(r.code, 3, show(r));
  assert.match(r.stderr, /^Error: secret 'MISSING' not found for component 'tool2'; nothing was deleted/);
  r = await box.run(['secret', 'list', 'tool2']);
  assert.deepEqual(json(r).secrets, [{ key: 'KEEP' }]);
});
