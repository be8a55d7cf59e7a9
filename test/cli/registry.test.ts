import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { json, sandbox, show, watComponent, type Sandbox } from './helpers.js';

let box: Sandbox;
before(async () => {
  box = await sandbox();
});
after(async () => {
  await box.cleanup();
});

test('registry search: every entry without a query, scored matches with one', async () => {
  let r = await box.run(['registry', 'search']);
  assert.equal(r.code, 0, show(r));
  const all = json<{ status: string; components: { name: string; description: string; uri: string }[] }>(r);
  assert.equal(all.status, 'Component list found');
  assert.ok(all.components.length >= 3);
  for (const c of all.components) assert.match(c.uri, /^(oci|https|file):\/\//);

  r = await box.run(['registry', 'search', 'time']);
  assert.equal(r.code, 0, show(r));
  const found = json<{ components: { name: string }[] }>(r).components;
  assert.equal(found[0].name, 'Time Server');

  r = await box.run(['registry', 'search', 'zzzz-no-such-thing', '-o', 'table']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /^No catalog entry matches 'zzzz-no-such-thing'\./);
});

test('registry get: an unknown name is exit 3 with suggestions; a URI is loaded directly', async () => {
  let r = await box.run(['registry', 'get', 'calc']);
  assert.equal(r.code, 3, show(r));
  assert.equal(r.stderr, "Error: Component 'calc' not found in the catalog; did you mean 'Calculator'?\n");

  r = await box.run(['registry', 'get', 'no-such-component-anywhere']);
  assert.equal(r.code, 3, show(r));
  assert.match(r.stderr, /not found in the catalog; see: tapedeck registry search/);

  const path = await watComponent('adder', box.dir);
  r = await box.run(['registry', 'get', pathToFileURL(path).href]);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { status: 'component loaded successfully', id: 'adder', tools: ['add', 'spin'] });

  r = await box.run(['registry', 'get', 'invalid://x']);
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stderr, "Error: Unsupported URI scheme 'invalid'. Use 'file://', 'https://' or 'oci://'\n");
});
