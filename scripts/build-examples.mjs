#!/usr/bin/env node
// Builds the example components into examples/build/components/<id>.wasm.
// Run by `npm ci` (prepare) and `npm run build:examples`. Incremental: an
// example whose inputs hash to the recorded stamp is skipped.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { appendPackageDocs, extractDocs } from './lib/package-docs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'examples/build/components');
const stamps = join(root, 'examples/build/.stamps');
const wasiWit = join(root, 'node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12');
const BUILD_VERSION = 1;

/** id, how it is built, and its WIT world. */
const EXAMPLES = [
  { id: 'minimal', kind: 'wat', source: 'minimal.wat' },
  { id: 'time-server', kind: 'js', world: 'time-server' },
  { id: 'calculator', kind: 'js', world: 'calculator-world' },
  { id: 'filesystem', kind: 'js', world: 'fs' },
  { id: 'fetch', kind: 'js', world: 'fetch-world' },
  { id: 'env-reader', kind: 'js', world: 'env-reader' },
  { id: 'misbehave-js', kind: 'js', world: 'misbehave' },
];

async function filesOf(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesOf(path)));
    else found.push(path);
  }
  return found.sort();
}

async function inputHash(example) {
  const hash = createHash('sha256').update(`v${BUILD_VERSION}\n`);
  hash.update(await readFile(fileURLToPath(import.meta.url)));
  hash.update(await readFile(join(root, 'scripts/lib/package-docs.mjs')));
  for (const file of await filesOf(join(root, 'examples', example.id))) {
    hash.update(file.slice(root.length)).update(await readFile(file));
  }
  return hash.digest('hex');
}

async function witDocs(example) {
  const witDir = join(root, 'examples', example.id, 'wit');
  const merged = { worlds: {}, interfaces: {} };
  for (const file of (await readdir(witDir)).filter((f) => f.endsWith('.wit'))) {
    const docs = extractDocs(await readFile(join(witDir, file), 'utf8'));
    if (docs.docs) merged.docs = docs.docs;
    Object.assign(merged.worlds, docs.worlds);
    Object.assign(merged.interfaces, docs.interfaces);
  }
  return merged;
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output}`))));
  });
}

async function buildJs(example, target) {
  const work = await mkdtemp(join(tmpdir(), `tapedeck-example-${example.id}-`));
  try {
    // The example's WIT plus the WASI 0.2 packages it may import, from jco's bundled WIT.
    await cp(join(root, 'examples', example.id, 'wit'), join(work, 'wit'), { recursive: true });
    await cp(wasiWit, join(work, 'wit/deps'), { recursive: true });
    await run(process.execPath, [
      '--import',
      join(root, 'scripts/lib/shim-root-preopen.mjs'),
      join(root, 'scripts/lib/componentize-one.mjs'),
      join(root, 'examples', example.id, 'index.js'),
      join(work, 'wit'),
      example.world,
      target,
    ]);
    return await readFile(target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function build(example) {
  const started = Date.now();
  const hash = await inputHash(example);
  const target = join(out, `${example.id}.wasm`);
  const stampPath = join(stamps, `${example.id}.json`);
  const stamp = await readFile(stampPath, 'utf8').then(JSON.parse, () => undefined);
  if (stamp?.hash === hash && (await stat(target).catch(() => undefined))) {
    console.log(`  skipped ${example.id} (unchanged)`);
    return;
  }
  const bytes =
    example.kind === 'wat'
      ? await parse(await readFile(join(root, 'examples', example.id, example.source), 'utf8'))
      : await buildJs(example, `${target}.tmp`);
  const final = appendPackageDocs(bytes, await witDocs(example));
  await writeFile(`${target}.tmp`, final);
  await rm(target, { force: true });
  await cp(`${target}.tmp`, target);
  await rm(`${target}.tmp`, { force: true });
  await writeFile(stampPath, JSON.stringify({ hash, size: final.length }));
  console.log(`  built   ${example.id} (${(final.length / 1024).toFixed(1)} KiB, ${Date.now() - started} ms)`);
}

async function main() {
  await mkdir(out, { recursive: true });
  await mkdir(stamps, { recursive: true });
  console.log('building example components into examples/build/components');
  const queue = [...EXAMPLES];
  const failures = [];
  // Two at a time: each JS build is a multi-second, mostly single-threaded job.
  await Promise.all(
    [0, 1].map(async () => {
      for (let example = queue.shift(); example; example = queue.shift()) {
        try {
          await build(example);
        } catch (error) {
          failures.push(`${example.id}: ${error.message}`);
        }
      }
    }),
  );
  if (failures.length) {
    console.error(`\nexample build failed:\n${failures.join('\n')}`);
    process.exit(1);
  }
}

await main();
