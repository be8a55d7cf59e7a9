/**
 * Policy files in the component directory, as Wassette lays them out:
 *
 *   <id>.policy.yaml        the policy (Wassette format)
 *   <id>.policy.meta.json   {source_uri?, created_at, updated_at}
 *
 * Every write goes through writeFileAtomic (temp file + fsync + rename), so a
 * reader or a restarted process sees the old or the new file, never a torn
 * one. The two files are written one after the other (policy first): the
 * metadata is informational and never decides a permission.
 *
 * A policy file that does not parse or validate is an error naming the file
 * (it is never treated as "no policy", which would silently change what a
 * component may do). Missing or unreadable metadata is reported as absent.
 *
 * The YAML parser is loaded with the first policy read or written, not at
 * start: a server lists its tools without it.
 */
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory, writeFileAtomic } from '../store/atomic-write.js';
import { assertValidId } from '../store/component-id.js';
import { PolicyError } from './errors.js';
import type { Policy } from './types.js';

export interface PolicyMeta {
  /** Where the policy came from (the component's source URI when it shipped with it). */
  sourceUri?: string;
  /** ISO 8601; absent when the metadata does not say. */
  createdAt?: string;
  /** ISO 8601; absent when the metadata does not say. */
  updatedAt?: string;
}

export interface StoredPolicy {
  policy: Policy;
  /** The file's text as stored. */
  yaml: string;
  /** Absolute path of `<id>.policy.yaml` (when the store was given an absolute directory). */
  path: string;
  meta?: PolicyMeta;
}

export interface PolicyStoreOptions {
  /** Clock for the metadata timestamps (tests). */
  now?: () => Date;
}

export class PolicyStore {
  private readonly now: () => Date;

  constructor(
    readonly componentDir: string,
    options: PolicyStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  policyPath(id: string): string {
    assertValidId(id);
    return join(this.componentDir, `${id}.policy.yaml`);
  }

  metaPath(id: string): string {
    assertValidId(id);
    return join(this.componentDir, `${id}.policy.meta.json`);
  }

  /** The stored policy, or undefined when the component has none. Throws PolicyError for a corrupt file. */
  async read(id: string): Promise<StoredPolicy | undefined> {
    const path = this.policyPath(id);
    let yaml: string;
    try {
      yaml = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const { parsePolicy } = await import('./parse.js');
    const policy = parsePolicy(yaml, path);
    return { policy, yaml, path, meta: await this.readMeta(id) };
  }

  /** Metadata, or undefined when missing or unreadable. */
  async readMeta(id: string): Promise<PolicyMeta | undefined> {
    let text: string;
    try {
      text = await readFile(this.metaPath(id), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const raw = JSON.parse(text) as Record<string, unknown>;
      if (!raw || typeof raw !== 'object') return undefined;
      const createdAt = typeof raw.created_at === 'string' ? raw.created_at : undefined;
      const updatedAt = typeof raw.updated_at === 'string' ? raw.updated_at : createdAt;
      // Wassette's attach-policy wrote {source_uri, attached_at: <unix seconds>}.
      const attached = typeof raw.attached_at === 'number' ? new Date(raw.attached_at * 1000).toISOString() : undefined;
      const meta: PolicyMeta = {};
      if (typeof raw.source_uri === 'string') meta.sourceUri = raw.source_uri;
      if (createdAt ?? attached) meta.createdAt = createdAt ?? attached;
      if (updatedAt ?? attached) meta.updatedAt = updatedAt ?? attached;
      return meta;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes the policy (validated; PolicyError if invalid, and then nothing is
   * written) and its metadata. `created_at` and `source_uri` are kept from
   * the existing metadata unless `meta.sourceUri` is given.
   */
  async write(id: string, policy: Policy, meta: { sourceUri?: string } = {}): Promise<void> {
    const path = this.policyPath(id);
    const { serializePolicy } = await import('./parse.js');
    const yaml = serializePolicy(policy);
    const previous = await this.readMeta(id);
    const now = this.now().toISOString();
    const sourceUri = meta.sourceUri ?? previous?.sourceUri;
    const record: Record<string, string> = {};
    if (sourceUri !== undefined) record.source_uri = sourceUri;
    record.created_at = previous?.createdAt ?? now;
    record.updated_at = now;
    await writeFileAtomic(path, yaml);
    await writeFileAtomic(this.metaPath(id), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** Deletes the policy and its metadata (no error when there are none). */
  async remove(id: string): Promise<void> {
    const paths = [this.policyPath(id), this.metaPath(id)];
    for (const path of paths) {
      try {
        await unlink(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    await syncDirectory(this.componentDir);
  }
}

export { PolicyError };
