/** Test helpers: a Tapedeck over temp directories, and paths of the repo's fixtures and examples. */
import { mkdtemp, rm, writeFile, readFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { Tapedeck, type TapedeckOptions } from '../../src/app/tapedeck.js';

/** Repository root (compiled tests live in dist/test/<area>/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const examplesDir = join(repoRoot, 'examples/build/components');

/** Path of a built example component; fails (never skips) when `npm ci` did not build it. */
export async function example(id: string): Promise<string> {
  const path = join(examplesDir, `${id}.wasm`);
  try {
    await access(path);
  } catch {
    throw new Error(`example component ${path} is missing: run npm run build:examples (npm ci does it)`);
  }
  return path;
}

export async function tempDir(prefix = 'tapedeck-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Builds a component from a WAT fixture in test/fixtures/wat into `dir`, returning its path. */
export async function watComponent(name: string, dir: string, fileName = `${name}.wasm`): Promise<string> {
  const text = await readFile(join(repoRoot, 'test/fixtures/wat', `${name}.wat`), 'utf8');
  const path = join(dir, fileName);
  await writeFile(path, await parse(text));
  return path;
}

export interface TestDeck {
  deck: Tapedeck;
  dir: string;
  componentDir: string;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function openDeck(options: Partial<TapedeckOptions> = {}): Promise<TestDeck> {
  const dir = await tempDir();
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const componentDir = join(dir, 'components');
  const deck = await Tapedeck.open({
    componentDir,
    secretsDir: join(dir, 'secrets'),
    logger,
    ...options,
  });
  return {
    deck,
    dir,
    componentDir,
    logs,
    async close() {
      await deck.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
