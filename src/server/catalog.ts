/**
 * The component catalog shipped with tapedeck (`registry/components.json` at
 * the package root) and Wassette's search scoring over it. Used by the
 * `search-components` built-in tool and by `tapedeck registry search|get`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface CatalogEntry {
  name: string;
  description: string;
  uri: string;
}

/** `registry/components.json` at the package root, found from this module (compiled: dist/src/server/; source: src/server/). */
export const CATALOG_PATH = [
  new URL('../../../registry/components.json', import.meta.url),
  new URL('../../registry/components.json', import.meta.url),
]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p)) ?? fileURLToPath(new URL('../../../registry/components.json', import.meta.url));

let cached: CatalogEntry[] | undefined;

/** Reads and validates a catalog file (default: the shipped one, read once). */
export function loadCatalog(path: string = CATALOG_PATH): CatalogEntry[] {
  if (path === CATALOG_PATH && cached) return cached;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the component catalog ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new Error(`component catalog ${path}: expected a JSON array of {name, description, uri}`);
  const entries = raw.map((item, i) => {
    const e = item as Partial<CatalogEntry> | null;
    if (!e || typeof e.name !== 'string' || typeof e.description !== 'string' || typeof e.uri !== 'string') {
      throw new Error(`component catalog ${path}: entry ${i} needs string fields name, description and uri`);
    }
    return { name: e.name, description: e.description, uri: e.uri };
  });
  if (path === CATALOG_PATH) cached = entries;
  return entries;
}

/**
 * Wassette's relevance score of one entry for a lower-cased query: name exact
 * +100, else prefix +50, else contains +20; description prefix +15, else
 * contains +10; uri contains +5. All comparisons ignore case.
 */
export function scoreEntry(entry: CatalogEntry, query: string): number {
  const q = query.toLowerCase();
  const name = entry.name.toLowerCase();
  const description = entry.description.toLowerCase();
  let score = 0;
  if (name === q) score += 100;
  else if (name.startsWith(q)) score += 50;
  else if (name.includes(q)) score += 20;
  if (description.startsWith(q)) score += 15;
  else if (description.includes(q)) score += 10;
  if (entry.uri.toLowerCase().includes(q)) score += 5;
  return score;
}

/**
 * Entries matching `query`, best first (ties by name); entries scoring 0 are
 * dropped. An empty or missing query returns every entry in catalog order.
 */
export function searchCatalog(query?: string, entries: CatalogEntry[] = loadCatalog()): CatalogEntry[] {
  const q = (query ?? '').trim();
  if (!q) return entries.map((e) => ({ ...e }));
  return entries
    .map((entry) => ({ entry, score: scoreEntry(entry, q) }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.entry.name.localeCompare(b.entry.name))
    .map((s) => ({ ...s.entry }));
}

/** The entry whose name (ignoring case) or URI equals `nameOrUri`. */
export function findCatalogEntry(nameOrUri: string, entries: CatalogEntry[] = loadCatalog()): CatalogEntry | undefined {
  const wanted = nameOrUri.trim().toLowerCase();
  return entries.find((e) => e.name.toLowerCase() === wanted || e.uri === nameOrUri.trim());
}
