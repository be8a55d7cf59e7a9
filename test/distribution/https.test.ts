import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createHash } from 'node:crypto';
import { DistributionError, fetchHttpsComponent } from '../../src/distribution/index.js';
import { fakeComponent } from '../helpers/registry.js';
import { makeTlsMaterial, p256KeyPair, tempDir } from './fixtures.js';

function code(expected: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DistributionError, String(error));
    assert.equal(error.code, expected, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('HTTPS loading from a loopback TLS server with a test CA', { timeout: 60_000 }, () => {
  let server: Server;
  let plain: HttpServer;
  let base: string;
  let plainBase: string;
  let caPem: string;
  let cleanup: () => Promise<void>;
  const wasm = fakeComponent('https', 2048);
  const hex = createHash('sha256').update(wasm).digest('hex');

  before(async () => {
    const tmp = await tempDir();
    cleanup = tmp.cleanup;
    const tls = await makeTlsMaterial(tmp.dir);
    caPem = tls.caPem;
    plain = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/wasm' });
      res.end(wasm);
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    plainBase = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
    server = createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const redirects = /^\/loop\/(\d+)$/.exec(url.pathname);
      if (url.pathname === '/tools/fetch-rs.wasm') {
        res.writeHead(200, { 'content-type': 'application/wasm', 'content-length': wasm.length });
        res.end(wasm);
      } else if (url.pathname === '/not-wasm.wasm') {
        res.writeHead(200);
        res.end('<html>hello</html>');
      } else if (url.pathname === '/chunked.wasm') {
        res.writeHead(200, { 'content-type': 'application/wasm' });
        res.write(wasm.subarray(0, 100));
        setTimeout(() => res.end(wasm.subarray(100)), 10);
      } else if (redirects) {
        const n = Number(redirects[1]);
        res.writeHead(302, { location: n === 0 ? '/tools/fetch-rs.wasm' : `/loop/${n - 1}` });
        res.end();
      } else if (url.pathname === '/to-http') {
        res.writeHead(302, { location: `${plainBase}/x.wasm` });
        res.end();
      } else if (url.pathname === '/slow.wasm') {
        res.writeHead(200, { 'content-type': 'application/wasm' });
        res.write(wasm.subarray(0, 10));
        // never ends: the idle timeout must fire
      } else {
        res.writeHead(404);
        res.end('no such file');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server?.closeAllConnections?.();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await new Promise<void>((r) => (plain ? plain.close(() => r()) : r()));
    await cleanup?.();
  });

  test('downloads with the test CA trusted via caCertificates; id from the file name', async () => {
    const progress: number[] = [];
    const fetched = await fetchHttpsComponent(`${base}/tools/fetch-rs.wasm`, {
      caCertificates: [caPem],
      onProgress: (done) => progress.push(done),
    });
    assert.deepEqual(Buffer.from(fetched.bytes), wasm);
    assert.equal(fetched.digest, `sha256:${hex}`);
    assert.equal(fetched.id, 'fetch-rs');
    assert.equal(fetched.sourceUri, `${base}/tools/fetch-rs.wasm`);
    assert.equal(progress.at(-1), wasm.length);
  });

  test('untrusted certificate without the CA is refused', async () => {
    await assert.rejects(fetchHttpsComponent(`${base}/tools/fetch-rs.wasm`), code('network-error', /not trusted .*caCertificates/));
  });

  test('#sha256= pin: match accepted, mismatch refused', async () => {
    const ok = await fetchHttpsComponent(`${base}/tools/fetch-rs.wasm#sha256=${hex}`, { caCertificates: [caPem] });
    assert.equal(ok.sourceUri, `${base}/tools/fetch-rs.wasm#sha256=${hex}`);
    await assert.rejects(
      fetchHttpsComponent(`${base}/tools/fetch-rs.wasm#sha256=${'0'.repeat(64)}`, { caCertificates: [caPem] }),
      code('digest-mismatch', /expected sha256:0{64}, downloaded content has sha256:/),
    );
    await assert.rejects(
      fetchHttpsComponent(`${base}/chunked.wasm`, { caCertificates: [caPem], expectedDigest: `sha256:${'1'.repeat(64)}` }),
      code('digest-mismatch'),
    );
    await assert.rejects(fetchHttpsComponent(`${base}/x.wasm#sha256=abc`, { caCertificates: [caPem] }), code('invalid-uri', /expected #sha256=<64 hex digits>/));
  });

  test('redirects: up to 5 followed, more refused, https→http refused', async () => {
    const five = await fetchHttpsComponent(`${base}/loop/4`, { caCertificates: [caPem] });
    assert.deepEqual(Buffer.from(five.bytes), wasm);
    await assert.rejects(fetchHttpsComponent(`${base}/loop/5`, { caCertificates: [caPem] }), code('redirect', /too many redirects \(more than 5\)/));
    await assert.rejects(fetchHttpsComponent(`${base}/to-http`, { caCertificates: [caPem] }), code('redirect', /from https to http/));
  });

  test('size limit: declared and streamed bodies over maxBytes are refused', async () => {
    await assert.rejects(fetchHttpsComponent(`${base}/tools/fetch-rs.wasm`, { caCertificates: [caPem], maxBytes: 1000 }), code('too-large', /limit is 1000 bytes/));
    await assert.rejects(fetchHttpsComponent(`${base}/chunked.wasm`, { caCertificates: [caPem], maxBytes: 1000 }), code('too-large'));
  });

  test('idle timeout fires', async () => {
    await assert.rejects(fetchHttpsComponent(`${base}/slow.wasm`, { caCertificates: [caPem], timeoutMs: 300 }), code('timeout'));
  });

  test('404, non-wasm content, http:// URLs and signature requirements are refused', async () => {
    await assert.rejects(fetchHttpsComponent(`${base}/missing.wasm`, { caCertificates: [caPem] }), code('not-found', /404/));
    await assert.rejects(fetchHttpsComponent(`${base}/not-wasm.wasm`, { caCertificates: [caPem] }), code('not-wasm'));
    await assert.rejects(fetchHttpsComponent(`${plainBase}/x.wasm`), code('invalid-uri', /not an https:\/\/ URL/));
    await assert.rejects(
      fetchHttpsComponent(`${base}/tools/fetch-rs.wasm`, { caCertificates: [caPem], verify: { publicKeysPem: [p256KeyPair().publicKeyPem] } }),
      code('signature-verification-failed', /only be verified for oci:\/\//),
    );
  });

  test('abort signal cancels the download', async () => {
    const controller = new AbortController();
    const pending = fetchHttpsComponent(`${base}/slow.wasm`, { caCertificates: [caPem], signal: controller.signal, timeoutMs: 10_000 });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(pending, code('aborted'));
  });
});
