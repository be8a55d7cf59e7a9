/**
 * The component directory: `<id>.wasm` plus `<id>.meta.json` (what the
 * decoder found, keyed by the component's sha256) beside the policy files.
 * The metadata lets a restart list every component's tools without reading
 * or decoding the binaries.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, stat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, syncDirectory, syncFile } from './atomic-write.js';
import type { ComponentInfo } from '../component/wit-types.js';
import { assertValidId } from './component-id.js';

/** Bump when ComponentInfo's shape or the decoder's output changes. */
export const METADATA_FORMAT = 1;

export interface ComponentMetadata {
  format: number;
  id: string;
  digest: string;
  size: number;
  mtimeMs: number;
  sourceUri: string;
  /** When these bytes were stored from this source (loading identical bytes from the same source again keeps it). */
  loadedAt: string;
  info: ComponentInfo;
}

export interface StoredComponent {
  id: string;
  wasmPath: string;
  metadata: ComponentMetadata;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class ComponentStore {
  readonly cacheDir: string;

  constructor(readonly dir: string) {
    this.cacheDir = join(dir, '.cache');
  }

  wasmPath(id: string): string {
    return join(this.dir, `${id}.wasm`);
  }

  private metaPath(id: string): string {
    return join(this.dir, `${id}.meta.json`);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Ids of every `<id>.wasm` in the directory, sorted. */
  async ids(): Promise<string[]> {
    const entries = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return entries
      .filter((name) => name.endsWith('.wasm') && !name.startsWith('.'))
      .map((name) => name.slice(0, -'.wasm'.length))
      .sort();
  }

  /**
   * Metadata for `id` if it is still current (same size and mtime as the
   * binary, same format), else undefined so the caller re-decodes.
   */
  async readMetadata(id: string): Promise<ComponentMetadata | undefined> {
    try {
      const [text, info] = await Promise.all([readFile(this.metaPath(id), 'utf8'), stat(this.wasmPath(id))]);
      const meta = JSON.parse(text) as ComponentMetadata;
      if (meta.format !== METADATA_FORMAT || meta.size !== info.size || meta.mtimeMs !== info.mtimeMs) return undefined;
      return meta;
    } catch {
      return undefined;
    }
  }

  async readBytes(id: string): Promise<Uint8Array> {
    return readFile(this.wasmPath(id));
  }

  /** Writes the binary (atomically) and returns its file facts for the metadata. */
  async writeComponent(id: string, bytes: Uint8Array): Promise<{ size: number; mtimeMs: number }> {
    assertValidId(id);
    await writeFileAtomic(this.wasmPath(id), bytes);
    const info = await stat(this.wasmPath(id));
    return { size: info.size, mtimeMs: info.mtimeMs };
  }

  /**
   * Stores the binary like writeComponent, unless it is stored already: when
   * the current metadata of `<id>.wasm` (same size and mtime as the file, as
   * refresh() trusts it) records `digestHex`, the file holds these bytes and
   * is kept as it is (no rewrite of megabytes, its mtime and inode unchanged,
   * so watching servers see no change); it is fsync'ed instead, as durable as
   * a fresh write. Returns the file facts, and that metadata when kept.
   */
  async storeComponent(id: string, bytes: Uint8Array, digestHex: string): Promise<{ file: { size: number; mtimeMs: number }; kept?: ComponentMetadata }> {
    const current = await this.readMetadata(id);
    if (current?.digest === digestHex && current.size === bytes.byteLength) {
      await syncFile(this.wasmPath(id));
      return { file: { size: current.size, mtimeMs: current.mtimeMs }, kept: current };
    }
    return { file: await this.writeComponent(id, bytes) };
  }

  async writeMetadata(meta: ComponentMetadata): Promise<void> {
    await writeFileAtomic(this.metaPath(meta.id), JSON.stringify(meta));
  }

  async statWasm(id: string): Promise<{ size: number; mtimeMs: number }> {
    const info = await stat(this.wasmPath(id));
    return { size: info.size, mtimeMs: info.mtimeMs };
  }

  /** Removes the binary and its metadata; the binary goes first so a crash never leaves metadata without it. */
  async remove(id: string): Promise<void> {
    assertValidId(id);
    await rm(this.wasmPath(id), { force: true });
    await rm(this.metaPath(id), { force: true });
    await syncDirectory(this.dir);
  }
}
