/**
 * Crash consistency: a process running tapedeck's state changes (loads,
 * reloads, unloads, grants, revokes, resets, secret writes and deletes — the
 * code paths of the built-in tools and the CLI) is killed with SIGKILL at
 * random points, again and again on the same directories. After every kill
 * the directories are checked as a restarted tapedeck sees them:
 *
 * - every policy, secrets file, metadata file and binary parses (binaries
 *   are one of the known versions, never torn);
 * - the state (components and their digests, each component's policy, each
 *   component's secrets) equals the model after the last acknowledged
 *   operation — or after the one in flight when it was killed, which may
 *   have completed before its acknowledgement was written. Nothing
 *   half-done, nothing lost.
 *
 * 40 kills in CI; TAPEDECK_SECURITY_FULL=1 runs 200.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { Tapedeck } from '../../src/app/tapedeck.js';
import { decodeComponent } from '../../src/component/decode/index.js';
import { grant, revoke } from '../../src/policy/grants.js';
import { serializePolicy } from '../../src/policy/parse.js';
import { PolicyStore } from '../../src/policy/store.js';
import type { Policy } from '../../src/policy/types.js';
import { SecretStore } from '../../src/store/secret-store.js';
import { sha256Hex } from '../../src/store/component-store.js';
import type { CrashOp } from './fixtures/crash-driver.js';
import { hostileDir, mulberry32Seed, repoRoot, size } from './helpers.js';

const KILLS = size(40, 200);
const IDS = ['c1', 'c2', 'c3'];

interface State {
  components: Record<string, string>;
  policies: Record<string, string>;
  secrets: Record<string, Record<string, string>>;
}

/** JSON with sorted keys, for comparing states. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function clone(state: State): State {
  return structuredClone(state);
}

function apply(state: State, op: CrashOp, digests: Record<string, string[]>, policies: Map<string, Policy | undefined>): State {
  const next = clone(state);
  const setPolicy = (id: string, policy: Policy | undefined) => {
    policies.set(id, policy);
    if (policy) next.policies[id] = serializePolicy(policy);
    else delete next.policies[id];
  };
  switch (op.op) {
    case 'load':
      next.components[op.id] = digests[op.id][op.variant];
      break;
    case 'unload':
      delete next.components[op.id];
      setPolicy(op.id, undefined);
      break;
    case 'grant':
      setPolicy(op.id, grant(policies.get(op.id), op.details, { componentId: op.id }));
      break;
    case 'revoke':
      setPolicy(op.id, revoke(policies.get(op.id), op.details, { componentId: op.id }));
      break;
    case 'reset':
      setPolicy(op.id, undefined);
      break;
    case 'secret-set':
      next.secrets[op.id] = { ...(next.secrets[op.id] ?? {}), ...op.entries };
      break;
    case 'secret-delete': {
      const rest = { ...(next.secrets[op.id] ?? {}) };
      for (const key of op.keys) delete rest[key];
      next.secrets[op.id] = rest;
      break;
    }
  }
  for (const id of Object.keys(next.secrets)) if (Object.keys(next.secrets[id]).length === 0) delete next.secrets[id];
  return next;
}

/** Reads the directories as a restarted tapedeck would; throws when anything does not parse. */
async function observe(componentDir: string, secretsDir: string, known: Set<string>): Promise<{ state: State; policies: Map<string, Policy | undefined>; stray: string[] }> {
  const names = await readdir(componentDir);
  for (const name of names.filter((n) => n.endsWith('.wasm') && !n.startsWith('.'))) {
    const bytes = await readFile(join(componentDir, name));
    assert.ok(known.has(sha256Hex(bytes)), `${name} is not one of the versions written (torn write?)`);
    decodeComponent(bytes);
  }
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) JSON.parse(await readFile(join(componentDir, name), 'utf8'));
  const store = new PolicyStore(componentDir);
  const secretStore = new SecretStore(secretsDir);
  const state: State = { components: {}, policies: {}, secrets: {} };
  const policies = new Map<string, Policy | undefined>();
  const deck = await Tapedeck.open({ componentDir, secretsDir, logger: pino({ level: 'silent' }) });
  try {
    for (const c of deck.listComponents()) state.components[c.id] = c.digest.slice('sha256:'.length);
  } finally {
    await deck.close();
  }
  // A restarted tapedeck removes what killed writers left behind.
  const left = [...(await readdir(componentDir)), ...(await readdir(secretsDir).catch(() => [] as string[]))].filter((n) => n.endsWith('.tmp') || n.startsWith('.unloading-'));
  assert.deepEqual(left, [], 'temp files or unload markers survived a restart');
  for (const id of IDS) {
    const stored = await store.read(id); // throws on a corrupt policy
    policies.set(id, stored?.policy);
    if (stored) state.policies[id] = serializePolicy(stored.policy);
    const secrets = await secretStore.read(id); // throws on a corrupt secrets file
    if (Object.keys(secrets).length > 0) state.secrets[id] = secrets;
  }
  const stray = [
    ...names.filter((n) => n.endsWith('.tmp') || n.startsWith('.unloading-')),
    ...(await readdir(secretsDir).catch(() => [] as string[])).filter((n) => n.endsWith('.tmp')),
  ];
  return { state, policies, stray };
}

test(`crash consistency: ${KILLS} SIGKILLs during loads, unloads, grants, revokes and secret writes`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-sec-crash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const componentDir = join(dir, 'components');
  const secretsDir = join(dir, 'secrets');
  // Two versions of each component (same id, different bytes) so reloads replace binaries.
  const text = await readFile(join(hostileDir, 'abuse.wat'), 'utf8');
  const variants: Record<string, string[]> = {};
  const digests: Record<string, string[]> = {};
  const known = new Set<string>();
  for (const id of IDS) {
    variants[id] = [];
    digests[id] = [];
    for (const v of [0, 1]) {
      let source = text.replaceAll('PREFIX-', `${id}-`);
      if (v === 1) source = source.replace(/\)\s*$/, `  (func (export "${id}-extra") (result u32) (canon lift (core func $i "count")))\n)\n`);
      const bytes = await parse(source);
      const path = join(dir, `${id}-v${v}.wasm`);
      await writeFile(path, bytes);
      variants[id].push(path);
      digests[id].push(sha256Hex(bytes));
      known.add(sha256Hex(bytes));
    }
  }
  const variantsFile = join(dir, 'variants.json');
  await writeFile(variantsFile, JSON.stringify(variants));

  const rng = mulberry32Seed(Number(process.env.TAPEDECK_CRASH_SEED ?? 7));
  let current = await observe(componentDir, secretsDir, known).catch(() => ({ state: { components: {}, policies: {}, secrets: {} }, policies: new Map(), stray: [] as string[] }));
  let totalOps = 0;
  let strays = 0;
  let inFlightApplied = 0;
  let inFlightNotApplied = 0;
  let idleKills = 0;
  const opsKilled = new Map<string, number>();
  const started = performance.now();

  for (let iteration = 0; iteration < KILLS; iteration++) {
    const child = spawn(process.execPath, [join(repoRoot, 'dist/test/security/fixtures/crash-driver.js'), componentDir, secretsDir, String(1000 + iteration), variantsFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const acked: CrashOp[] = [];
    let inFlight: CrashOp | undefined;
    const killAt = Math.floor(rng() * 8);
    const delay = rng() < 0.15 ? 20 + rng() * 60 : rng() * 12;
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let buffer = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('BEGIN ')) {
          const [, n, ...json] = line.split(' ');
          inFlight = JSON.parse(json.join(' ')) as CrashOp;
          if (Number(n) === killAt && !killed) {
            killed = true;
            setTimeout(() => child.kill('SIGKILL'), delay);
          }
        } else if (line.startsWith('ACK ')) {
          acked.push(inFlight!);
          inFlight = undefined;
        }
      }
    });
    // A safety net: a driver that never reaches operation `killAt` is killed anyway.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    assert.equal(child.signalCode, 'SIGKILL', `the driver ended by itself: ${stderr.slice(-2000)}`);
    totalOps += acked.length;

    // The model: everything acknowledged, and optionally the operation in flight.
    const policies = new Map(current.policies);
    let expected = current.state;
    for (const op of acked) expected = apply(expected, op, digests, policies);
    const expectedPolicies = new Map(policies);
    const candidates = [expected];
    if (inFlight) candidates.push(apply(expected, inFlight, digests, new Map(policies)));

    const observed = await observe(componentDir, secretsDir, known);
    strays += observed.stray.length;
    const match = candidates.findIndex((c) => canonical(c) === canonical(observed.state));
    assert.ok(
      match >= 0,
      `after kill ${iteration} (in flight: ${JSON.stringify(inFlight)}), the state matches neither the last acknowledged operation nor the one in flight:\n` +
        `observed ${JSON.stringify(observed.state, null, 1)}\nexpected ${JSON.stringify(candidates.map((c) => c), null, 1)}`,
    );
    if (!inFlight) idleKills++;
    else {
      opsKilled.set(inFlight.op, (opsKilled.get(inFlight.op) ?? 0) + 1);
      if (match === 1) inFlightApplied++;
      else inFlightNotApplied++;
    }
    current = { state: observed.state, policies: match === 0 ? expectedPolicies : observed.policies, stray: observed.stray };
  }

  // The surviving state still works: every loaded component answers.
  const deck = await Tapedeck.open({ componentDir, secretsDir, logger: pino({ level: 'silent' }) });
  try {
    for (const c of deck.listComponents()) {
      const outcome = await deck.callTool(`${c.id}-count`, {});
      assert.equal(outcome.isError, false, `${c.id}: ${outcome.text}`);
    }
  } finally {
    await deck.close();
  }
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`crash: ${KILLS} SIGKILLs in ${seconds.toFixed(1)} s, ${totalOps} acknowledged operations; killed during ${JSON.stringify(Object.fromEntries(opsKilled))}, between operations ${idleKills}`);
  t.diagnostic(`crash: the operation in flight had completed in ${inFlightApplied} kills and not in ${inFlightNotApplied}; temp files left by killed writers: ${strays} (all removed at the next start)`);
  t.diagnostic(`crash: final state ${JSON.stringify({ components: Object.keys(current.state.components), policies: Object.keys(current.state.policies), secrets: Object.keys(current.state.secrets) })}`);
});
