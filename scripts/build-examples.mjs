#!/usr/bin/env node
// Builds the example components into examples/build/components/<id>.wasm and
// copies their sample policies to examples/build/policies/<id>.policy.yaml
// (outside the component directory, so that a server pointed at it never
// applies them). Run by `npm ci` (prepare) and `npm run build:examples`.
//
// - JS examples: componentize-js (StarlingMonkey), in a child process that
//   maps "/" for preview2-shim (scripts/lib/shim-root-preopen.mjs), two at a
//   time. WASI WIT packages come from jco's bundled WIT (0.2.12, the version
//   StarlingMonkey itself imports, except wasi:http at 0.2.10).
// - WAT examples: jco-transpile's `parse` (component-model WAT text).
// - Every component gets the `///` doc comments of its WIT as custom sections
//   (see scripts/lib/package-docs.mjs) and is then checked with `componentWit`,
//   which also proves the docs sections are accepted.
// - Incremental: an example whose inputs (its folder, the build scripts and the
//   toolchain versions) hash to the value in examples/build/.stamps/<id>.json,
//   and whose output still has the recorded sha256, is skipped.
//
// Usage: node scripts/build-examples.mjs [--force] [id…]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentWit, parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { appendPackageDocs, extractDocs, mergeDocs } from './lib/package-docs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'examples/build');
const componentsDir = join(buildDir, 'components');
const policiesDir = join(buildDir, 'policies');
const stampsDir = join(buildDir, '.stamps');
const libDir = join(root, 'scripts/lib');
const wasiWitVersion = '0.2.12';
const wasiWit = join(root, 'node_modules/@bytecodealliance/jco/lib/wit/builtin', wasiWitVersion);
/** Bump to rebuild everything after a change that the hashed inputs do not show. */
const BUILD_VERSION = 2;
const PARALLEL_JS_BUILDS = 2;

/**
 * id, how it is built, the WIT world it is built from (its docs go to the
 * component), and for WAT the source file. Each lives in examples/<id>/ with
 * a wit/ folder, index.js or the .wat file, and an optional policy.yaml.
 */
const EXAMPLES = [
  { id: 'minimal', kind: 'wat', world: 'minimal', source: 'minimal.wat' },
  { id: 'misbehave-wat', kind: 'wat', world: 'misbehave-wat', source: 'misbehave.wat' },
  { id: 'calculator', kind: 'js', world: 'calculator-world' },
  { id: 'filesystem', kind: 'js', world: 'fs' },
  { id: 'time-server', kind: 'js', world: 'time-server' },
  { id: 'fetch', kind: 'js', world: 'fetch-world' },
  { id: 'env-reader', kind: 'js', world: 'env-reader' },
  { id: 'misbehave-js', kind: 'js', world: 'misbehave' },
];

class BuildError extends Error {}

async function filesOf(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesOf(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found.sort();
}

async function packageVersion(name) {
  const pkg = JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  return `${name}@${pkg.version}`;
}

let toolchainPromise;
/** Build script, its helpers and the toolchain versions: inputs of every example. */
function toolchainHash() {
  toolchainPromise ??= (async () => {
    const hash = createHash('sha256').update(`build-examples v${BUILD_VERSION}\n`);
    for (const file of [fileURLToPath(import.meta.url), ...(await filesOf(libDir))]) {
      hash.update(`${relative(root, file)}\n`).update(await readFile(file));
    }
    for (const name of ['@bytecodealliance/componentize-js', '@bytecodealliance/jco', '@bytecodealliance/jco-transpile']) {
      hash.update(`${await packageVersion(name)}\n`);
    }
    return hash.digest('hex');
  })();
  return toolchainPromise;
}

async function inputHash(example) {
  const hash = createHash('sha256').update(await toolchainHash());
  const dir = join(root, 'examples', example.id);
  for (const file of await filesOf(dir)) hash.update(`\n${relative(dir, file)}\n`).update(await readFile(file));
  return hash.digest('hex');
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const size = (n) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

function run(command, args, what) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (error) => reject(new BuildError(`${what}: could not start ${command}: ${error.message}`)));
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new BuildError(`${what} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`)),
    );
  });
}

async function buildJs(example, work) {
  // The example's WIT plus the WASI packages it may import.
  await cp(join(root, 'examples', example.id, 'wit'), join(work, 'wit'), { recursive: true });
  await cp(wasiWit, join(work, 'wit/deps'), { recursive: true });
  const out = join(work, 'component.wasm');
  await run(
    process.execPath,
    [
      '--import',
      join(libDir, 'shim-root-preopen.mjs'),
      join(libDir, 'componentize-one.mjs'),
      join(root, 'examples', example.id, 'index.js'),
      join(work, 'wit'),
      example.world,
      out,
    ],
    `componentize-js (${example.id}, world ${example.world})`,
  );
  return readFile(out);
}

async function buildWat(example) {
  const source = join('examples', example.id, example.source);
  try {
    return Buffer.from(await parse(await readFile(join(root, source), 'utf8')));
  } catch (error) {
    throw new BuildError(`${source} is not valid component WAT: ${error.message ?? error}`);
  }
}

async function witDocs(example) {
  const witDir = join(root, 'examples', example.id, 'wit');
  const files = (await readdir(witDir)).filter((f) => f.endsWith('.wit')).sort();
  const docs = mergeDocs(await Promise.all(files.map(async (f) => extractDocs(await readFile(join(witDir, f), 'utf8')))));
  if (!docs.worlds[example.world]) throw new BuildError(`examples/${example.id}/wit declares no world ${example.world}`);
  return docs;
}

/** The final component must still be a valid component whose docs sections wit-parser accepts. */
async function check(example, bytes) {
  let wit;
  try {
    wit = await componentWit(bytes);
  } catch (error) {
    const message = String(error?.message ?? error);
    const hint = /missing (func|interface|type)|not all 'items'/.test(message)
      ? `\nthe doc comments in examples/${example.id}/wit name something the built component does not export: do the WIT and the source agree?`
      : '';
    throw new BuildError(`the built component is not valid (componentWit): ${message}${hint}`);
  }
  if (!/^world root \{/m.test(wit)) throw new BuildError(`componentWit shows no root world:\n${wit}`);
}

async function build(example) {
  const started = Date.now();
  const hash = await inputHash(example);
  const target = join(componentsDir, `${example.id}.wasm`);
  const stampPath = join(stampsDir, `${example.id}.json`);
  const policySource = join(root, 'examples', example.id, 'policy.yaml');
  const policyTarget = join(policiesDir, `${example.id}.policy.yaml`);
  const policy = await readFile(policySource).catch(() => undefined);

  const stamp = await readFile(stampPath, 'utf8').then(JSON.parse, () => undefined);
  if (!force && stamp?.hash === hash) {
    const existing = await readFile(target).catch(() => undefined);
    const policyOk = policy === undefined || (await readFile(policyTarget).catch(() => undefined))?.equals(policy);
    if (existing && sha256(existing) === stamp.sha256 && policyOk) {
      return { id: example.id, status: 'skipped', size: existing.length, ms: Date.now() - started };
    }
  }

  const work = await mkdtemp(join(tmpdir(), `tapedeck-example-${example.id}-`));
  try {
    const bytes = example.kind === 'wat' ? await buildWat(example) : await buildJs(example, work);
    const final = appendPackageDocs(bytes, await witDocs(example), example.world);
    await check(example, final);
    // Write next to the target and rename: readers never see a partial file.
    await writeFile(`${target}.tmp`, final);
    await rename(`${target}.tmp`, target);
    if (policy !== undefined) {
      await writeFile(`${policyTarget}.tmp`, policy);
      await rename(`${policyTarget}.tmp`, policyTarget);
    } else {
      await rm(policyTarget, { force: true });
    }
    await writeFile(stampPath, `${JSON.stringify({ hash, sha256: sha256(final), size: final.length }, null, 2)}\n`);
    return { id: example.id, status: 'built', size: final.length, ms: Date.now() - started };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const force = args.includes('--force');
const only = args.filter((a) => !a.startsWith('--'));

async function main() {
  const unknown = only.filter((id) => !EXAMPLES.some((e) => e.id === id));
  if (unknown.length) {
    console.error(`build-examples: unknown example ${unknown.join(', ')} (known: ${EXAMPLES.map((e) => e.id).join(', ')})`);
    process.exit(2);
  }
  const selected = EXAMPLES.filter((e) => only.length === 0 || only.includes(e.id));
  await mkdir(componentsDir, { recursive: true });
  await mkdir(policiesDir, { recursive: true });
  await mkdir(stampsDir, { recursive: true });
  console.log(`build-examples: ${selected.length} components into ${relative(root, componentsDir)}`);
  const started = Date.now();
  const failures = [];
  const width = Math.max(...selected.map((e) => e.id.length));
  const report = (r) => console.log(`  ${r.status.padEnd(7)} ${r.id.padEnd(width)} ${size(r.size).padStart(10)} ${String(r.ms).padStart(6)} ms`);
  const attempt = async (example) => {
    try {
      report(await build(example));
    } catch (error) {
      const message = error instanceof BuildError ? error.message : (error?.stack ?? String(error));
      console.log(`  FAILED  ${example.id.padEnd(width)}`);
      failures.push(`${example.id}: ${message}`);
    }
  };
  // WAT builds take milliseconds; JS builds are multi-second, mostly
  // single-threaded jobs, so they run PARALLEL_JS_BUILDS at a time.
  for (const example of selected.filter((e) => e.kind !== 'js')) await attempt(example);
  const queue = selected.filter((e) => e.kind === 'js');
  await Promise.all(
    Array.from({ length: PARALLEL_JS_BUILDS }, async () => {
      for (let example = queue.shift(); example; example = queue.shift()) await attempt(example);
    }),
  );
  if (failures.length) {
    console.error(`\nbuild-examples: ${failures.length} of ${selected.length} example components FAILED to build:\n`);
    for (const f of failures) console.error(`${f}\n`);
    process.exit(1);
  }
  console.log(`build-examples: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(`build-examples: ${error?.stack ?? error}`);
  process.exit(1);
});
