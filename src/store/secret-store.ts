/**
 * Per-component secrets in `<secretsDir>/<id>.yaml` (a flat KEY: value map),
 * directory 0700 and files 0600, written atomically. The YAML library is
 * loaded with the first secrets file read or written, not at start.
 */
import { chmod, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { assertValidId } from './component-id.js';

export class SecretError extends Error {}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function assertSecretKey(key: string): void {
  if (!KEY.test(key)) {
    throw new SecretError(`invalid secret key '${key}': use letters, digits, '_', '.' and '-', starting with a letter or '_'`);
  }
}

export class SecretStore {
  /** `onChange` hears about every write made through this store (for caches). */
  constructor(
    readonly dir: string,
    private readonly onChange?: (id: string) => void,
  ) {}

  private path(id: string): string {
    return join(this.dir, `${id}.yaml`);
  }

  async read(id: string): Promise<Record<string, string>> {
    assertValidId(id);
    let text: string;
    try {
      text = await readFile(this.path(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const { parse } = await import('yaml');
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (error) {
      throw new SecretError(`secrets file ${this.path(id)} is not valid YAML: ${(error as Error).message}`);
    }
    if (doc == null) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new SecretError(`secrets file ${this.path(id)} must be a map of KEY: value`);
    }
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc as Record<string, unknown>)) out[key] = String(value);
    return out;
  }

  async write(id: string, secrets: Record<string, string>): Promise<void> {
    assertValidId(id);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    if (Object.keys(secrets).length === 0) await rm(this.path(id), { force: true });
    else await writeFileAtomic(this.path(id), (await import('yaml')).stringify(secrets), { mode: 0o600 });
    this.onChange?.(id);
  }

  async set(id: string, entries: Record<string, string>): Promise<void> {
    for (const key of Object.keys(entries)) assertSecretKey(key);
    await this.write(id, { ...(await this.read(id)), ...entries });
  }

  /** Returns the keys that were not present. */
  async delete(id: string, keys: string[]): Promise<string[]> {
    const current = await this.read(id);
    const missing = keys.filter((k) => !(k in current));
    for (const key of keys) delete current[key];
    await this.write(id, current);
    return missing;
  }

  async ids(): Promise<string[]> {
    const entries = await readdir(this.dir).catch(() => [] as string[]);
    return entries.filter((n) => n.endsWith('.yaml') && !n.startsWith('.')).map((n) => n.slice(0, -5)).sort();
  }
}
