/**
 * Resource abuse: memory stays bounded with 100+ loaded components (workers
 * start lazily, idle ones are reaped and capped), one component cannot
 * monopolise the host (per-component concurrency and queue bounds), one
 * HTTP client cannot starve the others (per-client rate limiting), and
 * oversized requests are refused before they are buffered (HTTP body limit,
 * stdio message limit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { Tapedeck } from '../../src/app/tapedeck.js';
import { hostileDir, hostileWat, mib, provision, repoRoot, serve, settledHeap, stdioPeer, type CallResult } from './helpers.js';

const COMPONENTS = 120;
const CALLED = 24;
const MAX_IDLE = 6;

test(`${COMPONENTS} loaded components: no worker until called, idle workers capped at ${MAX_IDLE} and reaped, memory flat across worker churn`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-sec-many-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const componentDir = join(dir, 'components');
  await mkdir(componentDir, { recursive: true });
  const text = await readFile(join(hostileDir, 'abuse.wat'), 'utf8');
  // Stored components, as after earlier loads: a start registers them from the directory.
  for (let i = 0; i < COMPONENTS; i++) await writeFile(join(componentDir, `m${i}.wasm`), await parse(text.replaceAll('PREFIX-', `m${i}-`)));

  const rssStart = process.memoryUsage().rss;
  const heapStart = await settledHeap();
  const deck = await Tapedeck.open({ componentDir, secretsDir: join(dir, 'secrets'), logger: pino({ level: 'silent' }), maxIdleWorkers: MAX_IDLE, idleMs: 4000 });
  t.after(() => deck.close());
  assert.equal(deck.listComponents().length, COMPONENTS);
  assert.equal(deck.listTools().length, COMPONENTS * 11);
  assert.equal(deck.liveWorkers, 0, 'workers started before any call');
  const heapLoaded = await settledHeap();
  const rssLoaded = process.memoryUsage().rss;

  let peak = 0;
  const pass = async () => {
    for (let i = 0; i < CALLED; i++) {
      const outcome = await deck.callTool(`m${i}-divide`, { a: i * 10, b: 10 });
      assert.equal(outcome.text, String(i));
      peak = Math.max(peak, deck.liveWorkers);
    }
  };
  await pass(); // first pass: transpiles each component once (cached after)
  const rssFirst = process.memoryUsage().rss;
  await pass(); // second pass: every worker is started again (the cap stopped them)
  await pass();
  const rssThird = process.memoryUsage().rss;
  const heapThird = await settledHeap();
  assert.ok(peak <= MAX_IDLE + 1, `${peak} workers alive at once (cap ${MAX_IDLE} idle + 1 busy)`);
  // Idle reaping: all workers stop after idleMs. (The wait is bounded only so
  // that a broken reaper fails instead of hanging; 30 times idleMs.)
  for (let waited = 0; deck.liveWorkers > 0 && waited < 30 * 4000; waited += 200) await new Promise((r) => setTimeout(r, 200));
  assert.equal(deck.liveWorkers, 0, 'idle workers were not reaped');

  t.diagnostic(
    `${COMPONENTS} components: heap ${mib(heapStart)} before open, ${mib(heapLoaded)} loaded (0 workers), ${mib(heapThird)} after ${3 * CALLED} calls; ` +
      `RSS ${mib(rssStart)} -> ${mib(rssLoaded)} loaded -> ${mib(rssFirst)} after the first pass (transpiler high-water) -> ${mib(rssThird)} after two more passes; peak workers ${peak}`,
  );
  assert.ok(heapLoaded - heapStart < 32 * 1048576, `registering ${COMPONENTS} components took ${mib(heapLoaded - heapStart)} of heap`);
  assert.ok(rssLoaded - rssStart < 96 * 1048576, `registering ${COMPONENTS} components took ${mib(rssLoaded - rssStart)} RSS`);
  assert.ok(rssThird - rssFirst < 64 * 1048576, `RSS grew by ${mib(rssThird - rssFirst)} across ${2 * CALLED} worker restarts`);
});

test('per-component concurrency: calls beyond the workers and the queue bound are refused as busy; other components unaffected', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'tapedeck-sec-busy-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const s = await serve({ components: [await hostileWat('abuse', work, 'hog')], deck: { workersPerComponent: 1, maxQueuedCalls: 4 } });
  t.after(() => s.close());
  // The hog's one worker spins until the hog is unloaded below (its timeout is
  // far away), so which calls are admitted does not depend on how fast the
  // machine is: the first runs, 4 wait, the other 7 are refused.
  await s.deck.policies.write('hog', { version: '1.0', permissions: { resources: { limits: { timeout: '120s' } } } } as never);
  await s.call('hog-count'); // the worker is up
  const busy: CallResult[] = [];
  let admittedSettled = 0;
  let allRefused!: () => void;
  const refused = new Promise<void>((resolve) => (allRefused = resolve));
  const calls = Array.from({ length: 12 }, () =>
    s.call('hog-spin').then((r) => {
      if (/is busy/.test(r.text)) {
        busy.push(r);
        if (busy.length === 7) allRefused();
      } else admittedSettled++;
      return r;
    }),
  );
  // (Bounded only so that a broken queue bound fails instead of hanging.)
  await Promise.race([refused, new Promise((r) => setTimeout(r, 110_000).unref())]);
  assert.equal(busy.length, 7, 'calls beyond 1 running + 4 waiting were not all refused');
  for (const r of busy) assert.match(r.text, /^Error: component 'hog' is busy \(4 calls waiting\); retry shortly$/);
  // While the hog is saturated, another component answers, and the hog's admitted calls are still waiting.
  await s.alive();
  assert.equal(admittedSettled, 0, 'the hog\'s admitted calls ended before the hog was stopped');
  // Stopping the hog answers its running and waiting calls; a reload gives a fresh instance.
  await s.deck.unloadComponent('hog');
  const results = await Promise.all(calls);
  const admitted = results.filter((r) => !/is busy/.test(r.text));
  assert.equal(admitted.length, 5);
  for (const r of admitted) assert.match(r.text, /^Error: component 'hog' crashed: (component was unloaded|worker exited)/);
  await s.deck.loadComponent(join(work, 'hog.wasm'));
  assert.equal((await s.call('hog-count')).text, '1');
  await s.alive();
});

function post(url: string, body: string, options: { localAddress?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        localAddress: options.localAddress,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...options.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'add', arguments: { a: id, b: 1 } } });

test('per-client rate limiting on HTTP: one client is throttled with 429 + Retry-After, another client is not', async (t) => {
  const RATE = 0.5;
  const BURST = 5;
  const s = await serve({ server: { rateLimit: { requestsPerSecond: RATE, burst: BURST } } });
  t.after(() => s.close());
  // Clients are told apart by address: serve()'s SDK client is 127.0.0.1; A
  // (127.0.0.3) and B (127.0.0.2) start with full buckets.
  const A = { localAddress: '127.0.0.3' };
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<typeof post>> | undefined;
  const began = performance.now();
  // Client A sends one request after another until it is throttled.
  while (!limited && statuses.length < 100) {
    const r = await post(s.endpoint, ping(statuses.length), A);
    statuses.push(r.status);
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 200, r.body);
  }
  const seconds = (performance.now() - began) / 1000;
  assert.ok(limited, `client A was never throttled: ${JSON.stringify(statuses)}`);
  assert.deepEqual(statuses.slice(0, BURST), Array(BURST).fill(200), 'the burst was not honoured');
  // Beyond the burst, only what refilled while A was sending got through
  // (a bound that grows with the time taken, so a slow machine cannot break it).
  const passed = statuses.filter((x) => x === 200).length;
  assert.ok(passed <= BURST + Math.floor(seconds * RATE), `${passed} requests passed in ${seconds.toFixed(1)} s`);
  const retryAfter = Number(limited.headers['retry-after']);
  assert.ok(retryAfter >= 1, JSON.stringify(limited.headers));
  assert.match(JSON.parse(limited.body).error.message, /Too many requests: retry after \d+ s/);
  // Another client has its own bucket.
  const other = await post(s.endpoint, ping(100), { localAddress: '127.0.0.2' });
  assert.equal(other.status, 200, other.body);
  assert.match(other.body, /"text":"101"/);
  // The throttled client gets through again once it waited as told.
  await new Promise((r) => setTimeout(r, retryAfter * 1000));
  const again = await post(s.endpoint, ping(200), A);
  assert.equal(again.status, 200, again.body);
  assert.match(again.body, /"text":"201"/);
  await s.alive();
});

test('request size limits: HTTP bodies over the limit get 413 before being buffered; stdio lines over it get a JSON-RPC error', async (t) => {
  const s = await serve({ server: { maxBodyBytes: 64 * 1024 } });
  t.after(() => s.close());
  const echo = (text: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text } } });
  const fits = await post(s.endpoint, echo('a'.repeat(60 * 1024)));
  assert.equal(fits.status, 200);
  const over = await post(s.endpoint, echo('b'.repeat(100 * 1024)));
  assert.equal(over.status, 413);
  assert.match(JSON.parse(over.body).error.message, /Request body too large: the limit is 65536 bytes/);

  // A declared length over the limit is refused before any byte of the body is read.
  const heapBefore = await settledHeap();
  const declared = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(s.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': String(10 * 1024 ** 3) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.write('{"jsonrpc":');
  });
  assert.equal(declared, 413);
  // A chunked body without a length is cut off once it passes the limit.
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(s.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e) => (/hang up|EPIPE|ECONNRESET/.test(e.message) ? undefined : reject(e)));
    const chunk = 'c'.repeat(16 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < 64 && req.write(chunk)) sent++;
      if (sent < 64) req.once('drain', pump);
      else req.end();
    };
    pump();
  });
  assert.equal(chunked, 413);
  assert.ok((await settledHeap()) - heapBefore < 8 * 1048576);
  await s.alive();

  // stdio: a line over the limit (default 4 MiB) is answered with an error and skipped; the next line works.
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-sec-size-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await provision(join(dir, 'components'), join(dir, 'secrets'), []);
  const peer = stdioPeer([join(repoRoot, 'dist/test/security/fixtures/stdio-entry.js'), join(dir, 'components'), join(dir, 'secrets')]);
  t.after(() => peer.close());
  await peer.initialize();
  peer.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'big', method: 'tools/call', params: { name: 'echo', arguments: { text: 'd'.repeat(5 * 1024 * 1024) } } })}\n`);
  const after = await peer.request('tools/call', { name: 'add', arguments: { a: 2, b: 2 } });
  assert.equal((after.result as { content: { text: string }[] }).content[0].text, '4');
  assert.ok(peer.answers.some((a) => a.id === null), 'no error for the oversized line');
  assert.ok(peer.lines.some((l) => /"code":-32600,"message":"Invalid Request: the message is larger than 4194304 bytes"/.test(l)));
});
