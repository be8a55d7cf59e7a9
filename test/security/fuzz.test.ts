/**
 * Input fuzzing: generated malformed and hostile messages over streamable
 * HTTP and over stdio (broken JSON, wrong JSON-RPC shapes, wrong and missing
 * argument types for the real tools, huge and deeply nested payloads,
 * unicode edge cases, unknown tools and methods; see fuzz-gen.ts).
 *
 * Asserted: the server never crashes; every request with a usable id gets
 * exactly one answer under that id (a result, a JSON-RPC error or a tool
 * error), every other message gets a JSON-RPC error or (notifications and
 * responses) nothing; no answer carries an id that was never sent; stdout
 * stays pure JSON-RPC; no prototype is polluted; after the run the server
 * still answers correctly and its heap returns to the baseline.
 *
 * Size: 2,000 messages per transport in CI; TAPEDECK_SECURITY_FULL=1 sends
 * 10,000 per transport (npm run security:full). Seed: TAPEDECK_FUZZ_SEED.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/server/http-guard.js';
import { answerableId, fuzzMessage, mulberry32, type FuzzMessage, type FuzzTool } from './fuzz-gen.js';
import { example, mib, provision, repoRoot, serve, settledHeap, size, stdioPeer } from './helpers.js';

const COUNT = size(2_000, 10_000);
const SEED = Number(process.env.TAPEDECK_FUZZ_SEED ?? 20261121);
const HEAP_TOLERANCE = 24 * 1048576;

function parseResponses(contentType: string, text: string): Record<string, unknown>[] {
  if (!text) return [];
  if (contentType.includes('text/event-stream')) {
    const out: Record<string, unknown>[] = [];
    for (const line of text.split('\n')) if (line.startsWith('data:')) out.push(JSON.parse(line.slice(5)) as Record<string, unknown>);
    return out;
  }
  const value = JSON.parse(text) as unknown;
  return (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
}

function isJsonRpcAnswer(msg: Record<string, unknown>): boolean {
  if (msg.jsonrpc !== '2.0') return false;
  if ('error' in msg) {
    const error = msg.error as { code?: unknown; message?: unknown };
    return Number.isInteger(error?.code) && typeof error?.message === 'string';
  }
  return 'result' in msg;
}

/**
 * For 2026-07-28 traffic: the per-request envelope in params._meta and the
 * Mcp-Method / Mcp-Name headers, so the message gets past the revision checks
 * and reaches the server's handlers (malformed messages stay malformed).
 */
function modernise(body: Buffer, headers: Record<string, string>): Buffer {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return body;
  const message = value as { method?: unknown; params?: unknown };
  const printable = (text: unknown): text is string => typeof text === 'string' && text.length < 4096 && /^[\x20-\x7e]*$/.test(text);
  if (printable(message.method)) headers['mcp-method'] = message.method;
  if (message.params === undefined) message.params = {};
  if (message.params && typeof message.params === 'object' && !Array.isArray(message.params)) {
    const params = message.params as Record<string, unknown>;
    if (message.method === 'tools/call' && printable(params.name)) headers['mcp-name'] = params.name;
    const meta = params._meta && typeof params._meta === 'object' && !Array.isArray(params._meta) ? (params._meta as Record<string, unknown>) : {};
    params._meta = {
      ...meta,
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'tapedeck-fuzz', version: '1.0.0' },
    };
  }
  try {
    return Buffer.from(JSON.stringify(value), 'utf8');
  } catch {
    return body; // nested too deep for this process to re-serialize: sent as generated
  }
}

function tally(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

test(`fuzz over streamable HTTP: ${COUNT} messages`, async (t) => {
  const s = await serve({ components: [await example('calculator')], keepLogs: false });
  t.after(() => s.close());
  const tools: FuzzTool[] = s.deck.listTools().map((tool) => ({ name: tool.name, inputSchema: tool.inputSchema }));
  const rng = mulberry32(SEED);
  const sessions = new Set<string>();
  const problems: string[] = [];
  const statuses = new Map<string, number>();
  const kinds = new Map<string, number>();

  const send = async (message: FuzzMessage) => {
    const roll = rng();
    const version = roll < 0.6 ? '2025-11-25' : roll < 0.7 ? '2025-06-18' : roll < 0.75 ? undefined : roll < 0.95 ? '2026-07-28' : 'garbage';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(version && { 'mcp-protocol-version': version }),
    };
    let body = message.body;
    if (version === '2026-07-28') body = modernise(body, headers);
    const response = await fetch(s.endpoint, { method: 'POST', headers, body: new Uint8Array(body) });
    const text = await response.text();
    const session = response.headers.get('mcp-session-id');
    if (session) sessions.add(session);
    tally(statuses, String(response.status));
    tally(kinds, message.kind);
    if (response.status >= 500) {
      problems.push(`${message.kind}: HTTP ${response.status} ${text.slice(0, 200)}`);
      return;
    }
    let answers: Record<string, unknown>[];
    try {
      answers = parseResponses(response.headers.get('content-type') ?? '', text);
    } catch {
      problems.push(`${message.kind}: unparsable answer (${response.status}) ${text.slice(0, 200)}`);
      return;
    }
    for (const a of answers) if (!isJsonRpcAnswer(a)) problems.push(`${message.kind}: not a JSON-RPC answer ${JSON.stringify(a).slice(0, 200)}`);
    if (response.status >= 400 && answers.length !== 1) problems.push(`${message.kind}: HTTP ${response.status} without a JSON-RPC error body`);
    if (response.status === 202 && answers.length > 0) problems.push(`${message.kind}: 202 with a body`);
    // Only notifications and responses may go unanswered.
    if (!message.silent && answers.length === 0) problems.push(`${message.kind}: no JSON-RPC answer (HTTP ${response.status}): ${message.body.subarray(0, 200).toString()}`);
    if (message.id !== undefined && response.status < 400) {
      const mine = answers.filter((a) => a.id === message.id);
      if (mine.length !== 1) problems.push(`${message.kind}: ${mine.length} answers for id ${message.id} (HTTP ${response.status}): ${text.slice(0, 200)}`);
    }
    for (const a of answers) {
      if (a.id !== null && a.id !== undefined && a.id !== message.id && !message.body.includes(JSON.stringify(a.id))) {
        problems.push(`${message.kind}: answer with an id that was not sent: ${JSON.stringify(a.id)}`);
      }
    }
  };

  const run = async (n: number) => {
    let sent = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (sent < n) {
          sent++;
          await send(fuzzMessage(rng, tools, { hugeBytes: DEFAULT_MAX_BODY_BYTES }));
        }
      }),
    );
  };

  await run(200); // warm up: workers started, code paths compiled
  const baseline = await settledHeap();
  const started = performance.now();
  await run(COUNT);
  const seconds = (performance.now() - started) / 1000;
  for (const id of sessions) await fetch(s.endpoint, { method: 'DELETE', headers: { 'mcp-session-id': id } }).then((r) => r.arrayBuffer());
  await new Promise((r) => setTimeout(r, 200));
  const after = await settledHeap();

  t.diagnostic(`HTTP fuzz: ${COUNT} messages (+200 warm-up) in ${seconds.toFixed(1)} s, seed ${SEED}; statuses ${JSON.stringify(Object.fromEntries(statuses))}; sessions opened and closed ${sessions.size}`);
  t.diagnostic(`HTTP fuzz: heap baseline ${mib(baseline)}, after ${mib(after)} (delta ${mib(after - baseline)})`);
  t.diagnostic(`HTTP fuzz kinds: ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`);
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  await s.alive();
  const calc = await s.call('local_calculator_calculator_add', { a: 2, b: 3 });
  assert.equal(calc.text, '5');
  assert.ok(after - baseline < HEAP_TOLERANCE, `heap grew from ${mib(baseline)} to ${mib(after)}`);
});

test(`fuzz over stdio: ${COUNT} messages`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-sec-fuzz-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const componentDir = join(dir, 'components');
  const secretsDir = join(dir, 'secrets');
  await provision(componentDir, secretsDir, [await example('calculator')]);
  const peer = stdioPeer([join(repoRoot, 'dist/test/security/fixtures/stdio-entry.js'), componentDir, secretsDir]);
  t.after(() => peer.close());
  await peer.initialize();
  const listed = await peer.request('tools/list');
  const tools = ((listed.result as { tools: FuzzTool[] }).tools ?? []).filter((tool) => !tool.name.includes('permission') && tool.name !== 'load-component' && tool.name !== 'unload-component' && tool.name !== 'search-components');
  const rng = mulberry32(SEED + 1);
  const kinds = new Map<string, number>();
  const owed = new Set<unknown>();
  let withoutId = 0;
  let mustAnswerWithoutId = 0;

  const heap = async (): Promise<number> => {
    const before = peer.stderr.join('').split('\n').filter((l) => l.startsWith('HEAP ')).length;
    process.kill(peer.pid, 'SIGUSR2');
    for (let i = 0; i < 200; i++) {
      const lines = peer.stderr.join('').split('\n').filter((l) => l.startsWith('HEAP '));
      if (lines.length > before) return Number(lines.at(-1)!.split(' ')[1]);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the server did not report its heap');
  };

  const run = async (n: number) => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const message = fuzzMessage(rng, tools, { hugeBytes: DEFAULT_MAX_BODY_BYTES });
      tally(kinds, message.kind);
      peer.write(Buffer.concat([message.body, Buffer.from('\n')]));
      if (message.id === undefined) {
        withoutId++;
        if (!message.silent) mustAnswerWithoutId++;
      } else {
        const id = message.id;
        owed.add(id);
        pending.push(
          peer.response(id, 120_000).then(
            (answer) => {
              if (!('result' in answer || 'error' in answer)) throw new Error(`not an answer for ${id}`);
            },
            (error: Error) => {
              throw new Error(`${message.kind}: ${error.message.slice(0, 300)}`);
            },
          ),
        );
      }
      // Keep at most 32 answers outstanding (a client's window, and bounded memory here).
      if (pending.length >= 32) await Promise.all(pending.splice(0));
      await peer.drained();
    }
    await Promise.all(pending);
  };

  await run(200);
  const baseline = await heap();
  const started = performance.now();
  await run(COUNT);
  const seconds = (performance.now() - started) / 1000;
  // Everything sent has been read once this final ping is answered.
  assert.ok('result' in (await peer.request('ping', {}, 60_000)));
  await new Promise((r) => setTimeout(r, 300));
  const after = await heap();

  const answeredIds = peer.answers.map((a) => a.id);
  const duplicates = answeredIds.filter((id, i) => id !== null && answeredIds.indexOf(id) !== i);
  const errorsWithNullId = peer.answers.filter((a) => a.id === null).length;
  // Answers not owed under an id the fuzzer sent (harness requests use ids from 1,000,000 up).
  const unattributed = peer.answers.filter((a) => !owed.has(a.id) && !(typeof a.id === 'number' && a.id >= 1_000_000)).length;
  t.diagnostic(`stdio fuzz: ${COUNT} messages (+200 warm-up) in ${seconds.toFixed(1)} s, seed ${SEED + 1}; ${peer.answers.length} answers, ${errorsWithNullId} with id null`);
  t.diagnostic(`stdio fuzz: ${withoutId} messages without an owed id (${mustAnswerWithoutId} not notifications or responses), ${unattributed} answers to them`);
  t.diagnostic(`stdio fuzz: heap baseline ${mib(baseline)}, after ${mib(after)} (delta ${mib(after - baseline)})`);
  t.diagnostic(`stdio fuzz kinds: ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`);
  assert.deepEqual(duplicates.slice(0, 10), [], 'an id was answered twice');
  // Each message that owes no id but is not a notification or a response got its error; none got two.
  assert.ok(unattributed >= mustAnswerWithoutId, `${mustAnswerWithoutId} malformed messages, only ${unattributed} errors`);
  assert.ok(unattributed <= withoutId, `${unattributed} answers to ${withoutId} messages without an id`);
  assert.ok(peer.answers.every((a) => a.id === null || answerableId(a.id)));
  assert.deepEqual(peer.garbage.slice(0, 5), [], 'stdout carried something that is not JSON');
  assert.ok(peer.alive(), 'the server process died');
  const add = await peer.request('tools/call', { name: 'local_calculator_calculator_add', arguments: { a: 40, b: 2 } });
  assert.equal((add.result as { content: { text: string }[] }).content[0].text, '42');
  assert.ok(after - baseline < HEAP_TOLERANCE, `heap grew from ${mib(baseline)} to ${mib(after)}`);
});
