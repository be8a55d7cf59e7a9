/**
 * Doc comments from `package-docs` custom sections: one version byte, then
 * JSON in wit-parser's `PackageMetadata` format (crates/wit-parser/src/metadata.rs
 * in bytecodealliance/wasm-tools):
 *
 *   { package?, docs?, worlds?: { <world>: { docs?, funcs?, func_exports?,
 *     interfaces?, interface_exports?, types? } },
 *     interfaces?: { <interface>: { docs?, funcs?: { <fn>: FunctionMetadata }, types? } } }
 *
 * where FunctionMetadata is a doc string (v0) or `{ docs?, stability? }` (v1).
 * Everything here is best effort: unknown keys are ignored and anything
 * malformed simply yields no docs.
 */
import type { ComponentInfo } from '../wit-types.js';

type Json = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a section payload; undefined when it is not JSON we understand. */
export function parsePackageDocs(payload: Uint8Array): Json | undefined {
  if (payload.length < 2 || payload[0] > 1) return undefined;
  try {
    const value: unknown = JSON.parse(utf8.decode(payload.subarray(1)));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property that is an object (never something from the prototype chain). */
function child(obj: unknown, key: string): Json | undefined {
  if (!isObject(obj) || !Object.hasOwn(obj, key)) return undefined;
  const v = obj[key];
  return isObject(v) ? v : undefined;
}

function docString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** FunctionMetadata: a plain string (v0) or `{ docs }` (v1). */
function functionDocs(map: Json | undefined, fn: string): string | undefined {
  if (!map || !Object.hasOwn(map, fn)) return undefined;
  const v = map[fn];
  return docString(v) ?? docString(child(map, fn)?.docs);
}

function worlds(md: Json): Json[] {
  const all = child(md, 'worlds');
  return all ? Object.keys(all).map((k) => child(all, k)).filter((w): w is Json => w !== undefined) : [];
}

/** `ns:pkg/name@1.2.3` → { pkg: 'ns:pkg', name: 'name' }; a plain `name` has no package. */
function splitInterface(iface: string): { pkg?: string; name: string } {
  const m = /^([^:/@]+:[^/@]+)\/([^@]+)(?:@.*)?$/.exec(iface);
  return m ? { pkg: m[1], name: m[2] } : { name: iface };
}

function interfaceFunctionDocs(all: Json[], iface: string, fn: string): string | undefined {
  const { pkg, name } = splitInterface(iface);
  // Metadata that names the same package is consulted first.
  const samePkg = (md: Json) => typeof md.package === 'string' && pkg !== undefined && md.package.split('@')[0] === pkg;
  const ordered = [...all.filter(samePkg), ...all.filter((md) => !samePkg(md))];
  for (const md of ordered) {
    const docs = functionDocs(child(child(child(md, 'interfaces'), name), 'funcs'), fn);
    if (docs) return docs;
    if (pkg === undefined) {
      // An inline `export name: interface { … }` is described by the world.
      for (const w of worlds(md)) {
        const inline =
          functionDocs(child(child(child(w, 'interface_exports'), name), 'funcs'), fn) ??
          functionDocs(child(child(child(w, 'interfaces'), name), 'funcs'), fn);
        if (inline) return inline;
      }
    }
  }
  return undefined;
}

function worldFunctionDocs(w: Json, fn: string): string | undefined {
  return functionDocs(child(w, 'func_exports'), fn) ?? functionDocs(child(w, 'funcs'), fn);
}

/**
 * Fills in `docs` of the functions and of the component. The world is the one
 * whose function docs match the component's world-level functions best (or the
 * only world there is).
 */
export function attachDocs(info: ComponentInfo, all: Json[]): void {
  if (all.length === 0) return;
  const allWorlds = all.flatMap(worlds);
  const worldFns = info.functions.filter((f) => f.interface === undefined);
  let world = allWorlds.length === 1 ? allWorlds[0] : undefined;
  let best = 0;
  for (const w of allWorlds) {
    const score = worldFns.filter((f) => worldFunctionDocs(w, f.name) !== undefined).length;
    if (score > best) [world, best] = [w, score];
  }
  for (const fn of info.functions) {
    let docs: string | undefined;
    if (fn.interface !== undefined) docs = interfaceFunctionDocs(all, fn.interface, fn.name);
    else if (world) docs = worldFunctionDocs(world, fn.name);
    if (docs !== undefined) fn.docs = docs;
  }
  const worldDocs = docString(world?.docs);
  if (worldDocs !== undefined) info.docs = worldDocs;
}
