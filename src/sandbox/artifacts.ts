/**
 * Transpiled and compiled forms of a component, cached so that a component
 * is transpiled once per content hash and compiled once per memory cap.
 */
import { Worker } from 'node:worker_threads';
import { mkdir, readFile, readdir, rename, rm, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { limitModuleMemory, bytesToPages } from './memory-limit.js';
import { syncDirectory } from '../store/atomic-write.js';

/** Bump when transpile options change so old cache entries are not reused. */
const TRANSPILE_FORMAT = 1;

export interface TranspiledArtifact {
  dir: string;
  moduleUrl: string;
  coreModuleFiles: string[];
}

export class TranspileError extends Error {}

function transpileInWorker(bytes: Uint8Array): Promise<Record<string, Uint8Array>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./transpile-worker.js', import.meta.url), { workerData: { bytes } });
    worker.once('message', (msg: { ok: boolean; files?: Record<string, Uint8Array>; message?: string }) => {
      void worker.terminate();
      if (msg.ok) resolve(msg.files!);
      else reject(new TranspileError(`could not prepare the component for execution: ${msg.message}`));
    });
    worker.once('error', (error) => reject(new TranspileError(`transpiler crashed: ${error.message}`)));
  });
}

function artifactFor(dir: string, files: string[]): TranspiledArtifact {
  return {
    dir,
    moduleUrl: pathToFileURL(join(dir, 'component.js')).href,
    coreModuleFiles: files.filter((f) => f.endsWith('.wasm')),
  };
}

/** Returns the cached transpilation of `bytes`, transpiling (in a worker) on a miss. */
export async function ensureTranspiled(
  cacheDir: string,
  digestHex: string,
  bytes: () => Promise<Uint8Array>,
): Promise<TranspiledArtifact> {
  const dir = join(cacheDir, 'transpiled', `${digestHex}-v${TRANSPILE_FORMAT}`);
  try {
    const marker = JSON.parse(await readFile(join(dir, 'complete.json'), 'utf8')) as { files: string[] };
    return artifactFor(dir, marker.files);
  } catch {
    // Missing or half-written: rebuild below.
  }
  const files = await transpileInWorker(await bytes());
  const tmp = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(tmp, { recursive: true });
  // The transpiled glue is an ES module; the marker makes `.js` load as ESM.
  await writeFile(join(tmp, 'package.json'), '{"type":"module"}\n');
  for (const [name, content] of Object.entries(files)) await writeFile(join(tmp, name), content);
  await writeFile(join(tmp, 'complete.json'), JSON.stringify({ files: Object.keys(files) }));
  await rm(dir, { recursive: true, force: true });
  try {
    await rename(tmp, dir);
  } catch (error) {
    // Another process finished the same transpilation first; use theirs.
    await rm(tmp, { recursive: true, force: true });
    if (!(await stat(join(dir, 'complete.json')).catch(() => undefined))) throw error;
  }
  await syncDirectory(join(cacheDir, 'transpiled'));
  return artifactFor(dir, Object.keys(files));
}

const compiled = new Map<string, Promise<Record<string, WebAssembly.Module>>>();

/**
 * Compiles the artifact's core modules with their memories capped at
 * `memoryLimitBytes`. Module objects are shared with workers by postMessage,
 * so replacing a crashed worker does not recompile.
 */
export function compileCoreModules(
  artifact: TranspiledArtifact,
  memoryLimitBytes: number,
): Promise<Record<string, WebAssembly.Module>> {
  const key = `${artifact.dir}\0${memoryLimitBytes}`;
  let entry = compiled.get(key);
  if (!entry) {
    entry = (async () => {
      const modules: Record<string, WebAssembly.Module> = {};
      const pages = bytesToPages(memoryLimitBytes);
      for (const file of artifact.coreModuleFiles) {
        const bytes = await readFile(join(artifact.dir, file));
        modules[file] = await WebAssembly.compile(limitModuleMemory(bytes, pages).bytes as Uint8Array<ArrayBuffer>);
      }
      return modules;
    })();
    entry.catch(() => compiled.delete(key));
    compiled.set(key, entry);
  }
  return entry;
}

/** Drops compiled modules of artifacts that are no longer used, so their memory can be reclaimed. */
export function forgetCompiled(digestHex: string): void {
  for (const key of compiled.keys()) if (key.includes(`/${digestHex}-v`)) compiled.delete(key);
}

/** Removes transpiled artifacts no digest in `keep` refers to. */
export async function pruneTranspiled(cacheDir: string, keepDigests: Set<string>): Promise<void> {
  const root = join(cacheDir, 'transpiled');
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    const digest = entry.split('-')[0];
    if (!keepDigests.has(digest) || entry.endsWith('.tmp')) {
      await rm(join(root, entry), { recursive: true, force: true });
    }
  }
}
