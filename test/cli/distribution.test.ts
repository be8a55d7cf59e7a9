/**
 * The distribution story end to end through the CLI: push a real example
 * component to a real registry (Debian's docker-registry on loopback), sign
 * it, and load it into another component directory that requires signatures,
 * then call it. Every refusal names the check that failed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sandbox, example, json, show, type Sandbox } from './helpers.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let registry: TestRegistry;
let box: Sandbox;
let publicKey: string;
let otherPublicKey: string;
let privateKey: string;

before(async () => {
  registry = await startRegistry();
  box = await sandbox();
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  privateKey = join(box.dir, 'signing.key');
  publicKey = join(box.dir, 'signing.pub');
  otherPublicKey = join(box.dir, 'other.pub');
  await writeFile(privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(otherPublicKey, other.publicKey.export({ type: 'spki', format: 'pem' }));
});

after(async () => {
  await registry.stop();
  await box.cleanup();
});

test('push, sign, then load with --require-signature and call the tool', async () => {
  const ref = `oci://${registry.host}/tools/minimal:1.0`;
  const push = await box.run(['-o', 'json', 'component', 'push', await example('minimal'), ref, '--annotation', 'version=1.0']);
  assert.equal(push.code, 0, show(push));
  assert.equal(json(push).status, 'component pushed successfully');
  assert.match(String(json(push).digest), /^sha256:[0-9a-f]{64}$/);

  // Unsigned: refused before download, naming the missing signature and how to sign.
  const other = ['--component-dir', join(box.dir, 'signed-only')];
  const unsigned = await box.run([...other, 'component', 'load', ref, '--require-signature', '--trusted-key', publicKey]);
  assert.notEqual(unsigned.code, 0);
  assert.match(unsigned.stderr, /no signature found/);
  assert.match(unsigned.stderr, /tapedeck component sign/);

  const sign = await box.run(['-o', 'json', 'component', 'sign', ref, '--key', privateKey]);
  assert.equal(sign.code, 0, show(sign));
  assert.match(String(json(sign).signature), /^sha256-[0-9a-f]{64}\.sig$/);

  // Signed by someone else's key: refused.
  const wrongKey = await box.run([...other, 'component', 'load', ref, '--require-signature', '--trusted-key', otherPublicKey]);
  assert.notEqual(wrongKey.code, 0);
  assert.match(wrongKey.stderr, /signature verification failed/);

  const load = await box.run([...other, '-o', 'json', 'component', 'load', ref, '--require-signature', '--trusted-key', publicKey]);
  assert.equal(load.code, 0, show(load));
  assert.equal(json(load).status, 'component loaded successfully');
  assert.equal(json(load).id, 'tools_minimal');

  const call = await box.run([...other, '-o', 'json', 'tool', 'invoke', 'add', '--args', '{"a":20,"b":22}']);
  assert.equal(call.code, 0, show(call));
  assert.match(call.stdout, /42/);
});

test('a tampered blob is refused with a digest mismatch', async () => {
  const ref = `oci://${registry.host}/tools/tampered:1.0`;
  const wasm = await example('minimal');
  const push = await box.run(['-o', 'json', 'component', 'push', wasm, ref]);
  assert.equal(push.code, 0, show(push));
  const { createHash } = await import('node:crypto');
  const bytes = await readFile(wasm);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const tampered = Buffer.from(bytes);
  tampered[tampered.length - 1] ^= 0xff;
  await writeFile(registry.blobPath(digest), tampered);
  const load = await box.run(['--component-dir', join(box.dir, 'tamper'), 'component', 'load', ref]);
  assert.notEqual(load.code, 0);
  assert.match(load.stderr, /digest/i);
});

test('bad distribution flags are usage errors that say what to add', async () => {
  const noTrust = await box.run(['component', 'load', `oci://${registry.host}/tools/minimal:1.0`, '--require-signature']);
  assert.equal(noTrust.code, 2, show(noTrust));
  assert.match(noTrust.stderr, /--require-signature needs something to trust: add --trusted-key/);
  const missingKey = await box.run(['component', 'load', `oci://${registry.host}/tools/minimal:1.0`, '--trusted-key', join(box.dir, 'nope.pub')]);
  assert.equal(missingKey.code, 2, show(missingKey));
  assert.match(missingKey.stderr, /cannot read trusted key .*nope\.pub: no such file/);
  const halfKeyless = await box.run(['component', 'load', `oci://${registry.host}/tools/minimal:1.0`, '--keyless-identity', 'me@example.com']);
  assert.equal(halfKeyless.code, 2);
  assert.match(halfKeyless.stderr, /--keyless-identity and --keyless-issuer go together/);
  const badAnnotation = await box.run(['component', 'push', await example('minimal'), `oci://${registry.host}/x:1`, '--annotation', 'novalue']);
  assert.equal(badAnnotation.code, 2);
  assert.match(badAnnotation.stderr, /invalid --annotation 'novalue': use key=value/);
});
