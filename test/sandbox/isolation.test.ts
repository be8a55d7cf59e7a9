/**
 * Policy enforcement at run time, driven through the runtime facade with the
 * example components (real guests built by npm ci), real files in temp
 * directories and real HTTP servers on loopback.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile, readdir, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { openDeck, example, type TestDeck } from '../helpers/deck.js';

let t: TestDeck;
let server: Server;
let serverPort = 0;
const requests: string[] = [];

before(async () => {
  t = await openDeck({ environment: { GRANTED: 'yes', SECRET_HOST_VALUE: 'must-not-leak' } });
  for (const id of ['filesystem', 'fetch', 'env-reader', 'misbehave-js']) await t.deck.loadComponent(await example(id));
  server = createServer((req, res) => {
    requests.push(`${req.headers.host} ${req.url}`);
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `http://127.0.0.2:${serverPort}/target` });
      res.end();
      return;
    }
    res.end(`hello from ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as { port: number }).port;
});

after(async () => {
  server.close();
  await t.close();
});

function text(outcome: { text: string }): string {
  return outcome.text;
}

test('storage: nothing is readable without a grant, and the denial names the grant', async () => {
  const data = join(t.dir, 'data');
  await mkdir(data);
  await writeFile(join(data, 'note.txt'), 'secret note');
  const result = await t.deck.callTool('read-file', { path: join(data, 'note.txt') });
  assert.doesNotMatch(text(result), /secret note/);
  assert.ok(result.denials.some((d) => d.kind === 'storage'), JSON.stringify(result));
  assert.match(result.denials[0].message, /grant it with: tapedeck permission grant storage filesystem fs:\/\//);
});

test('storage: a read grant allows reading and refuses writes, renames and deletes', async () => {
  const data = join(t.dir, 'ro');
  await mkdir(data);
  await writeFile(join(data, 'a.txt'), 'alpha');
  await t.deck.grantPermission('filesystem', { kind: 'storage', uri: `fs://${data}`, access: ['read'] });
  const read = await t.deck.callTool('read-file', { path: join(data, 'a.txt') });
  assert.equal(read.isError, false, JSON.stringify(read));
  assert.match(text(read), /alpha/);
  const listing = await t.deck.callTool('list-directory', { path: data });
  assert.match(text(listing), /a\.txt/);

  const write = await t.deck.callTool('write-file', { path: join(data, 'b.txt'), content: 'x' });
  assert.equal(write.isError, true);
  assert.ok(write.denials.some((d) => d.kind === 'storage' && /--access read,write/.test(d.grant)), JSON.stringify(write.denials));
  const del = await t.deck.callTool('delete-file', { path: join(data, 'a.txt') });
  assert.equal(del.isError, true);
  const move = await t.deck.callTool('move-path', { source: join(data, 'a.txt'), destination: join(data, 'c.txt') });
  assert.equal(move.isError, true);
  assert.deepEqual((await readdir(data)).sort(), ['a.txt']);
  assert.equal(await readFile(join(data, 'a.txt'), 'utf8'), 'alpha');
});

test('storage: a read,write grant allows writes inside and nowhere else', async () => {
  const data = join(t.dir, 'rw');
  await mkdir(data);
  await t.deck.grantPermission('filesystem', { kind: 'storage', uri: `fs://${data}`, access: ['read', 'write'] });
  const write = await t.deck.callTool('write-file', { path: join(data, 'new.txt'), content: 'written' });
  assert.equal(write.isError, false, JSON.stringify(write));
  assert.equal(await readFile(join(data, 'new.txt'), 'utf8'), 'written');
  const escape = await t.deck.callTool('write-file', { path: `${data}/../escaped.txt`, content: 'x' });
  assert.equal(escape.isError, true);
  assert.deepEqual((await readdir(t.dir)).filter((f) => f === 'escaped.txt'), []);
});

test('storage: a symlink inside a grant cannot lead outside it', async () => {
  const data = join(t.dir, 'links');
  await mkdir(data);
  await writeFile(join(t.dir, 'outside.txt'), 'outside secret');
  await symlink(join(t.dir, 'outside.txt'), join(data, 'abs-link'));
  await symlink('../outside.txt', join(data, 'rel-link'));
  await t.deck.grantPermission('filesystem', { kind: 'storage', uri: `fs://${data}`, access: ['read'] });
  for (const link of ['abs-link', 'rel-link']) {
    const result = await t.deck.callTool('read-file', { path: join(data, link) });
    assert.doesNotMatch(text(result), /outside secret/, link);
    assert.equal(result.isError, true, link);
  }
});

test('storage: the component and secrets directories stay out of reach of a broad grant', async () => {
  await t.deck.grantPermission('filesystem', { kind: 'storage', uri: `fs://${t.dir}`, access: ['read', 'write'] });
  const policyPath = join(t.componentDir, 'filesystem.policy.yaml');
  const before = await readFile(policyPath, 'utf8');
  const write = await t.deck.callTool('write-file', { path: policyPath, content: 'permissions: everything' });
  assert.equal(write.isError, true);
  assert.ok(write.denials.some((d) => /holds tapedeck's components, policies or secrets/.test(d.message)));
  assert.equal(await readFile(policyPath, 'utf8'), before);
  const read = await t.deck.callTool('read-file', { path: policyPath });
  assert.equal(read.isError, true);
  await t.deck.revokePermission('filesystem', { kind: 'storage', uri: `fs://${t.dir}`, access: ['read', 'write'] });
});

test('environment: the guest sees only granted keys, with values from config and secrets', async () => {
  const none = await t.deck.callTool('list-env', {});
  assert.deepEqual(none.structured, { result: [] });
  await t.deck.grantPermission('env-reader', { kind: 'environment-variable', key: 'GRANTED' });
  await t.deck.grantPermission('env-reader', { kind: 'environment-variable', key: 'API_TOKEN' });
  await t.deck.secrets.set('env-reader', { API_TOKEN: 'from-secret', UNGRANTED_SECRET: 'nope' });
  const some = await t.deck.callTool('list-env', {});
  const pairs = (some.structured as { result: [string, string][] }).result.sort();
  assert.deepEqual(pairs, [['API_TOKEN', 'from-secret'], ['GRANTED', 'yes']]);
  const probe = await t.deck.callTool('get-env', { key: 'SECRET_HOST_VALUE' });
  assert.deepEqual(probe.structured, { result: null });
  const path = await t.deck.callTool('get-env', { key: 'PATH' });
  assert.deepEqual(path.structured, { result: null });
});

test('network: denied until granted; the grant is exact to host and port', async () => {
  requests.length = 0;
  const url = `http://127.0.0.1:${serverPort}/one`;
  const denied = await t.deck.callTool('fetch', { url });
  assert.ok(denied.denials.some((d) => d.kind === 'network'), JSON.stringify(denied));
  assert.match(denied.denials[0].message, new RegExp(`network access to 127\\.0\\.0\\.1:${serverPort} denied — grant it with: tapedeck permission grant network fetch 127\\.0\\.0\\.1:${serverPort}`));
  assert.deepEqual(requests, []);

  await t.deck.grantPermission('fetch', { kind: 'network', host: `127.0.0.1:${serverPort}` });
  const allowed = await t.deck.callTool('fetch', { url });
  assert.equal(allowed.isError, false, JSON.stringify(allowed));
  assert.match(text(allowed), /hello from \/one/);
  assert.equal(requests.length, 1);

  // Same server, other name: a name never matches an IP grant.
  const byName = await t.deck.callTool('fetch', { url: `http://localhost:${serverPort}/two` });
  assert.ok(byName.denials.some((d) => d.kind === 'network'));
  assert.equal(requests.length, 1);
});

test('network: redirects are not followed by the host; following one by hand is checked again', async () => {
  requests.length = 0;
  await t.deck.grantPermission('fetch', { kind: 'network', host: `127.0.0.1:${serverPort}` });
  const result = await t.deck.callTool('fetch', { url: `http://127.0.0.1:${serverPort}/redirect` });
  assert.deepEqual(result.structured, { result: { ok: '302 ' } });
  const followed = await t.deck.callTool('fetch', { url: `http://127.0.0.2:${serverPort}/target` });
  assert.ok(followed.denials.some((d) => d.kind === 'network' && d.target.includes('127.0.0.2')), JSON.stringify(followed));
  assert.deepEqual(requests, [`127.0.0.1:${serverPort} /redirect`]);
});

test('stdin is empty, stdout/stderr are captured into the log, never the process streams', async () => {
  const stdin = await t.deck.callTool('read-stdin', {});
  assert.deepEqual(stdin.structured, { result: '' });
  t.logs.length = 0;
  const printed = await t.deck.callTool('print', { text: 'guest says hi' });
  assert.equal(printed.isError, false);
  const lines = t.logs.filter((l) => l.component === 'misbehave-js');
  assert.ok(lines.some((l) => l.stream === 'stdout' && /guest says hi/.test(String(l.msg))), JSON.stringify(lines));
  assert.ok(lines.some((l) => l.stream === 'stderr' && /guest says hi/.test(String(l.msg))));
});

test('a guest exit ends the call with an error and the next call works', async () => {
  const exit = await t.deck.callTool('exit', { code: 3 });
  assert.equal(exit.isError, true);
  assert.equal(exit.failure, 'exit');
  assert.match(text(exit), /component 'misbehave-js' exited with code 1/);
  const again = await t.deck.callTool('read-stdin', {});
  assert.equal(again.isError, false);
});

test('memory: a guest allocating past its limit fails the call with the grant that would allow more', async () => {
  await t.deck.grantPermission('misbehave-js', { kind: 'memory', limit: '64Mi' });
  const bomb = await t.deck.callTool('allocate', { mib: 512 });
  assert.equal(bomb.isError, true, JSON.stringify(bomb));
  assert.equal(bomb.failure, 'out-of-memory', bomb.text);
  assert.match(bomb.text, /ran out of memory \(limit 64Mi\) — grant it with: tapedeck permission grant memory misbehave-js 128Mi/);
  const small = await t.deck.callTool('allocate', { mib: 4 });
  assert.equal(small.isError, false, small.text);
  await t.deck.revokePermission('misbehave-js', { kind: 'memory', limit: '64Mi' });
});

test('time: a runaway JS guest is stopped by the timeout and the component keeps serving', async () => {
  const { writeFile: write } = await import('node:fs/promises');
  const policy = join(t.componentDir, 'misbehave-js.policy.yaml');
  await write(policy, 'version: "1.0"\npermissions:\n  resources:\n    limits:\n      timeout: 2s\n');
  await t.deck.refresh();
  const spin = await t.deck.callTool('spin', {});
  assert.equal(spin.failure, 'timeout', spin.text);
  const after = await t.deck.callTool('read-stdin', {});
  assert.equal(after.isError, false);
});
