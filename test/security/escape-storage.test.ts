/**
 * Sandbox escape suite, storage: a hostile guest (the JS probe, which calls
 * wasi:filesystem directly with attacker-chosen paths and flags) and the
 * filesystem example (hostile arguments) try to read, write, rename, link
 * and delete outside their grants. Every case asserts that the host tree is
 * byte-for-byte unchanged (or changed exactly as allowed), that no secret
 * text reached the result, and that the server keeps serving.
 *
 * Layout under the served root:
 *   outside/secret.txt, outside/dir/inner.txt   never granted
 *   data/   read grant   (a.txt, sub/b.txt, empty/, links out)
 *   data-evil/x.txt      a sibling whose name extends "data"
 *   rw/     read-write grant (r.txt, out-link -> ../outside/secret.txt)
 *   state/components/, state/secrets/  tapedeck's own state
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { link, mkdir, readFile, readdir, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { example, probeComponent, serve, snapshot, type CallResult, type Served } from './helpers.js';

const SECRET = 'TOP-SECRET-OUTSIDE';
const EVIL = 'EVIL-SIBLING';
let s: Served;
let root: string;
let D: string; // read grant (guest path = host path)
let R: string; // read-write grant
let O: string; // outside

/** Paths whose content must never show up in any result. */
const leaks = [SECRET, EVIL, 'root:x:0:0', 'permissions:', 'API_TOKEN_VALUE'];

before(async () => {
  s = await serve({ stateDir: 'state', components: [await probeComponent(), await example('filesystem'), await example('env-reader')] });
  root = s.root;
  D = join(root, 'data');
  R = join(root, 'rw');
  O = join(root, 'outside');
  await mkdir(join(O, 'dir'), { recursive: true });
  await writeFile(join(O, 'secret.txt'), SECRET);
  await writeFile(join(O, 'dir/inner.txt'), `${SECRET} inner`);
  await mkdir(join(D, 'sub'), { recursive: true });
  await mkdir(join(D, 'empty'));
  await writeFile(join(D, 'a.txt'), 'alpha');
  await writeFile(join(D, 'sub/b.txt'), 'beta');
  await symlink(join(O, 'secret.txt'), join(D, 'abs-link'));
  await symlink('../outside/secret.txt', join(D, 'rel-link'));
  await symlink('../outside', join(D, 'dir-link'));
  await symlink('chain2', join(D, 'chain1'));
  await symlink('../outside/secret.txt', join(D, 'chain2'));
  await symlink('loop2', join(D, 'loop1'));
  await symlink('loop1', join(D, 'loop2'));
  await mkdir(join(root, 'data-evil'));
  await writeFile(join(root, 'data-evil/x.txt'), EVIL);
  await mkdir(R);
  await writeFile(join(R, 'r.txt'), 'rw-file');
  await symlink('../outside/secret.txt', join(R, 'out-link'));
  await symlink('../outside', join(R, 'out-dir'));
  // Another component's secret, to be stolen.
  await s.deck.secrets.set('env-reader', { API_TOKEN: 'API_TOKEN_VALUE' });
  for (const id of ['probe', 'filesystem']) {
    await s.deck.grantPermission(id, { kind: 'storage', uri: `fs://${D}`, access: ['read'] });
    await s.deck.grantPermission(id, { kind: 'storage', uri: `fs://${R}`, access: ['read', 'write'] });
  }
  // Sanity: the grants work, so refusals below are the sandbox's doing.
  assert.deepEqual((await fsop('read', D, 'a.txt')).structured, { result: { ok: 'alpha' } });
  assert.deepEqual((await s.call('read-file', { path: join(R, 'r.txt') })).structured, { result: { ok: 'rw-file' } });
});

after(async () => {
  await s?.close();
});

function fsop(op: string, base: string, path: string, arg = ''): Promise<CallResult> {
  return s.call('fs', { op, base, path, arg });
}

const skipCache = (relative: string) => relative === 'state/components/.cache';

function assertNoLeak(result: CallResult): void {
  const all = [result.text, ...result.denials, JSON.stringify(result.structured ?? null)].join('\n');
  for (const marker of leaks) assert.ok(!all.includes(marker), `result leaked ${marker}: ${all}`);
}

function assertFailed(result: CallResult): void {
  const structured = result.structured as { result?: unknown } | undefined;
  const failed = result.isError || (structured?.result && typeof structured.result === 'object' && 'err' in (structured.result as object));
  assert.ok(failed, `expected the attempt to fail: ${JSON.stringify(result)}`);
}

/**
 * One attack: the tree must be unchanged, nothing leaked, the attempt failed,
 * the denial (when given) recorded with its grant hint, and the server alive.
 */
function attack(name: string, run: () => Promise<CallResult>, denial?: RegExp | (() => RegExp)): void {
  test(name, async () => {
    const before = await snapshot(root, skipCache);
    const result = await run();
    assertFailed(result);
    assertNoLeak(result);
    if (denial) {
      const pattern = typeof denial === 'function' ? denial() : denial;
      assert.ok(result.denials.some((d) => pattern.test(d)), `expected a denial matching ${pattern}: ${JSON.stringify(result.denials)}`);
    }
    assert.deepEqual(await snapshot(root, skipCache), before, 'the host tree changed');
    await s.alive();
  });
}

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const readHint = (dir: () => string) => () => new RegExp(`denied — grant it with: tapedeck permission grant storage probe fs://${esc(dir())} --access read$`);
const writeHint = () => new RegExp(`storage write access to ${esc(D)}.* denied — grant it with: tapedeck permission grant storage (probe|filesystem) fs://${esc(D)}.* --access read,write$`);

// ------------------------------------------------------------------ path traversal

attack('traversal: ../ out of a read grant', () => fsop('read', D, '../outside/secret.txt'));
attack('traversal: ../ after a real subdirectory', () => fsop('read', D, 'sub/../../outside/secret.txt'));
attack('traversal: many ../ to /etc/passwd', () => fsop('read', D, '../../../../../../../../../../etc/passwd'));
attack('traversal: ../ from an opened subdirectory descriptor', () => fsop('read', `${D}>sub`, '../../outside/secret.txt'));
attack('traversal: ../ from a subdirectory to its parent (descriptors are their own boundary)', () => fsop('read', `${D}>sub`, '../../../outside/dir/inner.txt'));
attack('traversal: absolute path given relative to a preopen', () => fsop('read', D, '/etc/passwd'));
attack('traversal: absolute host path of the secret given to a preopen', () => fsop('read', D, join(root, 'outside/secret.txt')));
attack('traversal: the secret through the synthetic root reports the exact grant', () => fsop('read', '/', `${O.slice(1)}/secret.txt`), readHint(() => O));
attack('traversal: /etc/passwd through the synthetic root', () => fsop('read', '/', 'etc/passwd'), /storage read access to \/etc\/passwd denied — grant it with: tapedeck permission grant storage probe fs:\/\/\/etc --access read$/);
attack('traversal: percent-encoded ../ is a literal name', () => fsop('read', D, '%2e%2e/outside/secret.txt'));
attack('traversal: percent-encoded slashes are literal', () => fsop('read', D, '..%2Foutside%2Fsecret.txt'));
attack('traversal: backslash separators', () => fsop('read', D, '..\\outside\\secret.txt'));
attack('traversal: trailing slash on the escaped file', () => fsop('read', D, '../outside/secret.txt/'));
attack('traversal: listing ../ with a trailing slash', () => fsop('list', D, '../outside/'));
attack('traversal: doubled slashes and dot segments', () => fsop('read', D, './/..//outside///./secret.txt'));
attack('traversal: unicode look-alike dots (two-dot leader, fullwidth, one-dot leaders)', async () => {
  const results: CallResult[] = [];
  for (const dots of ['\u2025', '\uff0e\uff0e', '\u2024\u2024', '.\u200b.', '\u0307\u0307']) results.push(await fsop('read', D, `${dots}/outside/secret.txt`));
  for (const r of results) {
    assertFailed(r);
    assertNoLeak(r);
  }
  return results[0];
});
attack('traversal: unicode look-alike slashes (division slash, fullwidth solidus)', async () => {
  const a = await fsop('read', D, '..\u2215outside\u2215secret.txt');
  assertNoLeak(a);
  return fsop('read', D, '..\uff0foutside\uff0fsecret.txt');
});
attack('traversal: an embedded NUL byte', () => fsop('read', D, 'a.txt\u0000/../../outside/secret.txt'));
attack('traversal: a sibling directory whose name extends the grant (data-evil)', () => fsop('read', D, '../data-evil/x.txt'));
attack('traversal: example guest, sibling directory by absolute path', () => s.call('read-file', { path: join(root, 'data-evil/x.txt') }), () => new RegExp(`grant it with: tapedeck permission grant storage filesystem fs://${esc(join(root, 'data-evil'))} --access read$`));
attack('traversal: example guest, /../ inside the granted path', () => s.call('read-file', { path: `${D}/../outside/secret.txt` }));
attack('traversal: example guest, /./../ and trailing slash', () => s.call('list-directory', { path: `${D}/./../outside/` }));
attack('traversal: example guest, the grant path with a trailing dot-dot', () => s.call('list-directory', { path: `${D}/..` }));
attack('traversal: example guest, the grant path with a trailing dot-dot and slash', () => s.call('list-directory', { path: `${D}/../` }));
attack('traversal: example guest, percent-encoded ../ after the grant path', () => s.call('read-file', { path: `${D}/%2e%2e/outside/secret.txt` }));
attack('traversal: example guest, unicode look-alike dots after the grant path', () => s.call('read-file', { path: `${D}/\uff0e\uff0e/outside/secret.txt` }));
attack('traversal: a trailing slash on a directory created in a read-only grant', () => fsop('mkdir', D, 'newdir/'), writeHint);
attack('traversal: a trailing slash on a file created through ../', () => fsop('write', R, '../outside/planted/', 'pwned'));

// ------------------------------------------------------------------ symlinks

attack('symlink: absolute link inside the grant to a file outside', () => fsop('read', D, 'abs-link'));
attack('symlink: relative ../ link inside the grant', () => fsop('read', D, 'rel-link'));
attack('symlink: directory link to outside, read through it', () => fsop('read', D, 'dir-link/secret.txt'));
attack('symlink: directory link to outside, listed', () => fsop('list', D, 'dir-link'));
attack('symlink: a chain of links that ends outside', () => fsop('read', D, 'chain1'));
attack('symlink: stat through an escaping link reveals nothing', () => fsop('stat', D, 'abs-link'));
attack('symlink: a link loop ends with an error, not a hang', () => fsop('read', D, 'loop1'));
attack('symlink: opening an escaping link without following it', () => fsop('read-nofollow', D, 'rel-link'));
attack('symlink: writing through a link in a read-write grant to a file outside', () => fsop('write', R, 'out-link', 'pwned'));
attack('symlink: writing through a link without following it', () => fsop('write-nofollow', R, 'out-link', 'pwned'));
attack('symlink: creating a file below a directory link to outside', () => fsop('write', R, 'out-dir/planted.txt', 'pwned'));
attack('symlink: creating a directory below a directory link to outside', () => fsop('mkdir', R, 'out-dir/newdir'));
attack('symlink: the guest may not create a link with an absolute target', () => fsop('symlink', R, 'abs-made', '/etc'));
attack('symlink: the guest may not create links in a read-only grant', () => fsop('symlink', D, 'made', 'a.txt'), writeHint);
attack('example guest: read through an escaping link', () => s.call('read-file', { path: join(D, 'rel-link') }));
attack('example guest: write through an escaping link', () => s.call('write-file', { path: join(R, 'out-link'), content: 'pwned' }));

test('symlink: a relative link the guest creates cannot be followed out of the grant', async () => {
  const before = await snapshot(O);
  const made = await fsop('symlink', R, 'escape', '../outside');
  // Creating a link is a write inside the grant; following it out is what must fail.
  for (const attempt of [fsop('read', R, 'escape/secret.txt'), fsop('write', R, 'escape/planted.txt', 'x'), fsop('list', R, 'escape')]) {
    const result = await attempt;
    assertFailed(result);
    assertNoLeak(result);
  }
  assert.deepEqual(await snapshot(O), before);
  if (!made.isError) await rm(join(R, 'escape'), { force: true });
  await s.alive();
});

// ------------------------------------------------------------------ hard links

attack('hard link: from a read-only grant into a writable one', () => fsop('link', D, 'a.txt', `${R}\na-hard`), writeHint);
attack('hard link: from outside (synthetic root) into a writable grant', () => fsop('link', '/', `${O.slice(1)}/secret.txt`, `${R}\nstolen`), () => new RegExp(`storage write access to ${esc(O)}/secret.txt denied`));
attack('hard link: ../ to a file outside', () => fsop('link', R, '../outside/secret.txt', `${R}\nstolen`));
attack('hard link: planting a link to a granted file outside the grant', () => fsop('link', R, 'r.txt', `${R}\n../outside/planted`));

// ------------------------------------------------------------------ read-only grants

attack('read-only: creating a file', () => fsop('write', D, 'new.txt', 'x'), writeHint);
attack('read-only: overwriting a file (no create flag)', () => fsop('write-existing', D, 'a.txt', 'pwned'), writeHint);
attack('read-only: write() on a descriptor opened for reading', () => fsop('write-via-read-handle', D, 'a.txt', 'pwned'), writeHint);
attack('read-only: a write stream on a descriptor opened for reading', () => fsop('stream-via-read-handle', D, 'a.txt', 'pwned'), writeHint);
attack('read-only: appending', () => fsop('append', D, 'a.txt', 'pwned'), writeHint);
attack('read-only: truncating through open flags', () => fsop('truncate', D, 'a.txt'), writeHint);
attack('read-only: set-size', () => fsop('set-size', D, 'a.txt'), writeHint);
attack('read-only: set-times', () => fsop('set-times', D, 'a.txt'), writeHint);
attack('read-only: exclusive create', () => fsop('create-exclusive', D, 'x.txt'), writeHint);
attack('read-only: opening a directory with mutate-directory', () => fsop('open-dir-write', D, 'sub'), writeHint);
attack('read-only: creating a directory', () => fsop('mkdir', D, 'newdir'), writeHint);
attack('read-only: removing a directory', () => fsop('rmdir', D, 'empty'), writeHint);
attack('read-only: unlinking a file', () => fsop('unlink', D, 'a.txt'), writeHint);
attack('read-only: renaming inside the grant', () => fsop('rename', D, 'a.txt', `${D}\nc.txt`), writeHint);
attack('read-only: moving a file out to a writable grant', () => fsop('rename', D, 'a.txt', `${R}\na.txt`), writeHint);
attack('read-only: moving a file in from a writable grant', () => fsop('rename', R, 'r.txt', `${D}\nr.txt`), writeHint);
attack('read-only: writes through an opened subdirectory', () => fsop('write', `${D}>sub`, 'b.txt', 'pwned'), writeHint);
attack('example guest, read-only: write-file', () => s.call('write-file', { path: join(D, 'a.txt'), content: 'pwned' }), writeHint);
attack('example guest, read-only: delete-file', () => s.call('delete-file', { path: join(D, 'a.txt') }), writeHint);
attack('example guest, read-only: move-path', () => s.call('move-path', { source: join(D, 'a.txt'), destination: join(D, 'moved.txt') }), writeHint);
attack('example guest, read-only: create-directory', () => s.call('create-directory', { path: join(D, 'made') }), writeHint);

// ------------------------------------------------------------------ read-write grants stay inside

attack('read-write: creating a file through ../', () => fsop('write', R, '../outside/planted.txt', 'pwned'));
attack('read-write: creating a directory through ../', () => fsop('mkdir', R, '../outside/newdir'));
attack('read-write: moving a granted file out through ../', () => fsop('rename', R, 'r.txt', `${R}\n../outside/r.txt`));
attack('read-write: moving an outside file in (synthetic root source)', () => fsop('rename', '/', `${O.slice(1)}/secret.txt`, `${R}\nstolen.txt`), () => new RegExp(`storage write access to ${esc(O)}/secret.txt denied`));
attack('read-write: unlinking a file outside through ../', () => fsop('unlink', R, '../outside/secret.txt'));
attack('read-write: removing a directory outside through ../', () => fsop('rmdir', R, '../outside/dir'));
attack('example guest, read-write: moving a file out of the grant', () => s.call('move-path', { source: join(R, 'r.txt'), destination: join(O, 'r.txt') }), () => new RegExp(`storage write access to ${esc(O)}/r.txt denied — grant it with: tapedeck permission grant storage filesystem fs://${esc(O)} --access read,write$`));
attack('example guest, read-write: writing a file outside the grant', () => s.call('write-file', { path: join(O, 'planted.txt'), content: 'x' }));

test('read-write: writes inside the grant do work (the refusals above are not blanket)', async () => {
  const result = await fsop('write', R, 'made.txt', 'inside');
  assert.deepEqual(result.structured, { result: { ok: 'wrote 6' } });
  assert.equal(await readFile(join(R, 'made.txt'), 'utf8'), 'inside');
  await rm(join(R, 'made.txt'));
  await s.alive();
});

// ------------------------------------------------------------------ tapedeck's own state

test('protected: a broad grant covering the component and secrets directories', async (t) => {
  await s.deck.grantPermission('probe', { kind: 'storage', uri: `fs://${root}`, access: ['read', 'write'] });
  await s.deck.grantPermission('filesystem', { kind: 'storage', uri: `fs://${root}`, access: ['read', 'write'] });
  const rel = (path: string) => path.slice(root.length + 1);
  const C = rel(s.componentDir);
  const S = rel(s.secretsDir);
  const digest = s.deck.getComponent('probe')!.digest.slice('sha256:'.length);
  const transpiled = (await readdir(join(s.componentDir, '.cache/transpiled'))).find((d) => d.startsWith(digest))!;
  // Everything, including the probe's transpiled code (other components' large artefacts are skipped).
  const state = () => snapshot(root, (r) => r.startsWith(`${C}/.cache/transpiled/`) && !r.startsWith(`${C}/.cache/transpiled/${transpiled}`));
  const protectedDenial = /holds tapedeck's components, policies or secrets/;
  const cases: [string, () => Promise<CallResult>][] = [
    ['rewrite own policy', () => fsop('write', root, `${C}/probe.policy.yaml`, 'permissions: {}')],
    ['read own policy', () => fsop('read', root, `${C}/probe.policy.yaml`)],
    ['read another component\'s secrets', () => fsop('read', root, `${S}/env-reader.yaml`)],
    ['list the secrets directory', () => fsop('list', root, S)],
    ['list the component directory', () => fsop('list', root, C)],
    ['plant a new component', () => fsop('write', root, `${C}/planted.wasm`, '\0asm')],
    ['plant a policy for a future component', () => fsop('write', root, `${C}/planted.policy.yaml`, 'version: "1.0"')],
    ['rewrite transpiled host code', () => fsop('write', root, `${C}/.cache/transpiled/${transpiled}/component.js`, 'process.exit(1)')],
    ['rename a file over the policy', () => fsop('rename', root, 'rw/r.txt', `${root}\n${C}/probe.policy.yaml`)],
    ['hard-link the policy into a writable place', () => fsop('link', root, `${C}/probe.policy.yaml`, `${root}\nrw/policy-link`)],
    ['delete another component\'s binary', () => fsop('unlink', root, `${C}/filesystem.wasm`)],
    ['reach the policy through ../', () => fsop('write', root, `rw/../${C}/probe.policy.yaml`, 'x')],
    ['reach the policy with backslash separators', () => fsop('write', root, `rw\\..\\${C}\\probe.policy.yaml`, 'permissions: {}')],
    ['reach the secrets with backslash separators', () => fsop('read', root, `rw\\..\\${S}\\env-reader.yaml`)],
    ['plant a component as a symlink to a file the guest wrote', () => fsop('symlink', root, `${C}/planted.wasm`, '../../rw/r.txt')],
    ['plant a policy as a symlink', () => fsop('symlink', root, `${C}/probe.policy.yaml.new`, '../../rw/r.txt')],
    ['rename the component directory away', () => fsop('rename', root, C, `${root}\nrw/moved-components`)],
    ['rename a directory above the component directory away', () => fsop('rename', root, 'state', `${root}\nrw/moved-state`)],
    ['remove the secrets directory', () => fsop('rmdir', root, S)],
    ['replace the secrets directory by a link', () => fsop('symlink', root, S, '../rw')],
    ['example guest: rewrite its policy', () => s.call('write-file', { path: join(s.componentDir, 'filesystem.policy.yaml'), content: 'x' })],
    ['example guest: read the secrets', () => s.call('read-file', { path: join(s.secretsDir, 'env-reader.yaml') })],
  ];
  for (const [name, run] of cases) {
    await t.test(name, async () => {
      const before = await state();
      const result = await run();
      assertFailed(result);
      assertNoLeak(result);
      assert.ok(result.denials.some((d) => protectedDenial.test(d)), `no protected-path denial: ${JSON.stringify(result)}`);
      assert.deepEqual(await state(), before);
    });
  }
  await t.test('through a directory symlink the guest creates (alias -> component directory)', async () => {
    const made = await fsop('symlink', root, 'rw/alias', `../${C}`);
    assert.equal(made.isError, false, JSON.stringify(made));
    const before = await state();
    for (const attempt of [
      () => fsop('write', root, 'rw/alias/probe.policy.yaml', 'permissions: {}'),
      () => fsop('read', root, 'rw/alias/probe.policy.yaml'),
      () => fsop('write', `${root}>rw`, 'alias/planted.wasm', 'x'),
      () => fsop('link', root, 'rw/alias/probe.policy.yaml', `${root}\nrw/policy-link`),
      () => fsop('list', root, 'rw/alias'),
    ]) {
      const result = await attempt();
      assertFailed(result);
      assertNoLeak(result);
      assert.ok(result.denials.some((d) => protectedDenial.test(d)), `no protected-path denial: ${JSON.stringify(result)}`);
    }
    assert.deepEqual(await state(), before);
    await rm(join(R, 'alias'));
  });
  await t.test('through a pre-existing symlink to the secrets directory', async () => {
    await symlink(`../${S}`, join(R, 'secrets-alias'));
    const result = await fsop('read', root, 'rw/secrets-alias/env-reader.yaml');
    assertFailed(result);
    assertNoLeak(result);
    await rm(join(R, 'secrets-alias'));
  });
  await s.deck.revokePermission('probe', { kind: 'storage', uri: `fs://${root}`, access: ['read', 'write'] });
  await s.deck.revokePermission('filesystem', { kind: 'storage', uri: `fs://${root}`, access: ['read', 'write'] });
  await s.alive();
});

test('protected: a relative grant (inside the component directory) works and cannot climb to the state beside it', async () => {
  await s.deck.grantPermission('probe', { kind: 'storage', uri: 'fs://workspace', access: ['read', 'write'] });
  await mkdir(join(s.componentDir, 'workspace'), { recursive: true });
  const policyBefore = await readFile(join(s.componentDir, 'probe.policy.yaml'), 'utf8');
  const write = await fsop('write', 'workspace', 'note.txt', 'relative grant');
  assert.deepEqual(write.structured, { result: { ok: 'wrote 14' } }, JSON.stringify(write));
  assert.equal(await readFile(join(s.componentDir, 'workspace/note.txt'), 'utf8'), 'relative grant');
  for (const path of ['../probe.policy.yaml', '..\\probe.policy.yaml', '../../secrets/env-reader.yaml']) {
    const result = await fsop('write', 'workspace', path, 'permissions: {}');
    assertFailed(result);
  }
  assert.equal(await readFile(join(s.componentDir, 'probe.policy.yaml'), 'utf8'), policyBefore);
  await s.deck.revokePermission('probe', { kind: 'storage', uri: 'fs://workspace', access: ['read', 'write'] });
  await s.alive();
});

// ------------------------------------------------------------------ one component against another

test('cross-component: one component cannot reach files granted only to another', async () => {
  const theirs = join(root, 'fs-only');
  await mkdir(theirs);
  await writeFile(join(theirs, 'private.txt'), `${SECRET} of filesystem`);
  await s.deck.grantPermission('filesystem', { kind: 'storage', uri: `fs://${theirs}`, access: ['read', 'write'] });
  assert.match((await s.call('read-file', { path: join(theirs, 'private.txt') })).text, /of filesystem/);
  const before = await snapshot(theirs);
  for (const attempt of [fsop('read', '/', `${theirs.slice(1)}/private.txt`), fsop('write', '/', `${theirs.slice(1)}/private.txt`, 'x'), fsop('read', theirs, 'private.txt')]) {
    const result = await attempt;
    assertFailed(result);
    assertNoLeak(result);
  }
  assert.deepEqual(await snapshot(theirs), before);
  await s.alive();
});

test('revocation: a revoked grant is refused from the next call on', async () => {
  const dir = join(root, 'revoked');
  await mkdir(dir);
  await writeFile(join(dir, 'f.txt'), 'granted once');
  await s.deck.grantPermission('probe', { kind: 'storage', uri: `fs://${dir}`, access: ['read', 'write'] });
  assert.deepEqual((await fsop('read', dir, 'f.txt')).structured, { result: { ok: 'granted once' } });
  await s.deck.revokePermission('probe', { kind: 'storage', uri: `fs://${dir}`, access: ['read', 'write'] });
  const after = await fsop('read', dir, 'f.txt');
  assertFailed(after);
  const viaRoot = await fsop('write', '/', `${dir.slice(1)}/f.txt`, 'x');
  assertFailed(viaRoot);
  assert.equal(await readFile(join(dir, 'f.txt'), 'utf8'), 'granted once');
  assert.equal((await lstat(join(dir, 'f.txt'))).nlink, 1);
  await s.alive();
});

test('hard links placed by the host count as inside the grant (documented limit)', async () => {
  // Not an escape the guest can make (it cannot create links to outside),
  // recorded so docs/security.md stays true.
  await link(join(O, 'dir/inner.txt'), join(R, 'host-made-link'));
  const result = await fsop('read', R, 'host-made-link');
  assert.equal(result.isError, false);
  await rm(join(R, 'host-made-link'));
  await s.alive();
});
