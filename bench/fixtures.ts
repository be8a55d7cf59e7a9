/**
 * Component directories for the runs: the minimal example, the JS-engine
 * calculator, and N generated tiny components (`bench:c<N>/ops` with `add`,
 * so every component contributes a distinct tool name), loaded once through
 * the runtime so their metadata and transpile caches are warm ("cached").
 */
import { copyFile, cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { Tapedeck } from '../src/app/tapedeck.js';
import { examplesDir, type TapedeckDirs } from './servers.js';

export const silentLogger = pino({ level: 'silent' });

/** The WAT of generated component `n`: interface `bench:c<n>/ops`, function `add(a: u32, b: u32) -> u32`. */
export function generatedWat(n: number): string {
  return `(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
  (core instance $i (instantiate $m))
  (type $add-t (func (param "a" u32) (param "b" u32) (result u32)))
  (func $add (type $add-t) (canon lift (core func $i "add")))
  (instance $ops (export "add" (func $add) (func (type $add-t))))
  (export "bench:c${n}/ops" (instance $ops))
)`;
}

export function generatedId(n: number): string {
  return `c${String(n).padStart(3, '0')}`;
}

/** Tool name tapedeck gives generated component `n`'s `add`. */
export function generatedTool(n: number): string {
  return `bench_c${n}_ops_add`;
}

export function dirsIn(root: string, name: string): TapedeckDirs {
  return { componentDir: join(root, name, 'components'), secretsDir: join(root, name, 'secrets') };
}

export async function openDeck(dirs: TapedeckDirs): Promise<Tapedeck> {
  await mkdir(dirs.componentDir, { recursive: true });
  return Tapedeck.open({ componentDir: dirs.componentDir, secretsDir: dirs.secretsDir, logger: silentLogger });
}

/** Copies an example component into a scratch folder and returns its path (the examples may be rebuilt meanwhile). */
export async function exampleCopy(root: string, id: string): Promise<string> {
  const dir = join(root, 'sources');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${id}.wasm`);
  await copyFile(join(examplesDir, `${id}.wasm`), path);
  return path;
}

/** Loads the given component files into a new component directory (transpile caches warm afterwards). */
export async function loadedDir(dirs: TapedeckDirs, files: string[]): Promise<{ loadMs: number[] }> {
  const deck = await openDeck(dirs);
  const loadMs: number[] = [];
  try {
    for (const file of files) {
      const t0 = performance.now();
      await deck.loadComponent(file);
      loadMs.push(performance.now() - t0);
    }
  } finally {
    await deck.close();
  }
  return { loadMs };
}

/** Writes generated components `from..to` (inclusive) as `<root>/sources/cNNN.wasm`. */
export async function writeGenerated(root: string, from: number, to: number): Promise<string[]> {
  const dir = join(root, 'sources');
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let n = from; n <= to; n++) {
    const path = join(dir, `${generatedId(n)}.wasm`);
    await writeFile(path, await parse(generatedWat(n)));
    files.push(path);
  }
  return files;
}

export interface CachedDirs {
  /** count -> directory with components c001..c<count> loaded (metadata + transpile cache warm). */
  byCount: Map<number, TapedeckDirs>;
  /** Time of each first (uncached) load of a generated WAT component, ms. */
  firstLoadMs: number[];
}

/**
 * Directories with 0 and each of `counts` generated components, built
 * incrementally (the smaller set is copied, timestamps preserved, and extended).
 */
export async function cachedDirs(root: string, counts: number[]): Promise<CachedDirs> {
  const byCount = new Map<number, TapedeckDirs>();
  const firstLoadMs: number[] = [];
  let previous: { count: number; dirs: TapedeckDirs } | undefined;
  for (const count of [...counts].sort((a, b) => a - b)) {
    const dirs = dirsIn(root, `cached-${count}`);
    if (previous) await cp(join(previous.dirs.componentDir, '..'), join(dirs.componentDir, '..'), { recursive: true, preserveTimestamps: true });
    const from = (previous?.count ?? 0) + 1;
    const files = count >= from ? await writeGenerated(root, from, count) : [];
    const { loadMs } = await loadedDir(dirs, files);
    firstLoadMs.push(...loadMs);
    byCount.set(count, dirs);
    previous = { count, dirs };
  }
  return { byCount, firstLoadMs };
}
