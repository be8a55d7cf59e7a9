/** Turns decoded definitions into tapedeck's WIT model, deciding what is supported. */
import type { ExportedFunction, WitType } from '../wit-types.js';
import { strip, type FuncDef, type TypeDef, type ValRef } from './model.js';

/** Thrown while converting a type tapedeck cannot represent; the message is the reason. */
class Unsupported extends Error {}

/** Beyond this many type nodes in one signature, give up (shared types can expand exponentially). */
const MAX_NODES = 50_000;
/** Types nested deeper than this are refused rather than risking the stack. */
const MAX_DEPTH = 100;

interface Conversion {
  names: Map<TypeDef, string>;
  /** Resources the signature mentions through own/borrow handles. */
  resources: Set<string>;
  nodes: number;
}

/** The name a type got from the nearest import/export that named it. */
function nameOf(def: TypeDef, names: Map<TypeDef, string>): string | undefined {
  return def.k === 'named' ? def.name : names.get(def);
}

export function resourceName(def: TypeDef, names: Map<TypeDef, string>): string {
  return nameOf(def, names) ?? 'anonymous resource';
}

export function isResource(def: TypeDef): boolean {
  return strip(def).k === 'resource';
}

function toWit(ref: ValRef, c: Conversion, depth = 0): WitType {
  if (++c.nodes > MAX_NODES) throw new Unsupported(`its types are too large (more than ${MAX_NODES} type nodes)`);
  if (depth > MAX_DEPTH) throw new Unsupported(`its types are nested more than ${MAX_DEPTH} levels deep`);
  const inner = (r: ValRef) => toWit(r, c, depth + 1);
  if (typeof ref === 'string') return { kind: ref };
  const def = strip(ref);
  const n = nameOf(ref, c.names);
  const name = n === undefined ? {} : { name: n };
  switch (def.k) {
    case 'prim':
      return { kind: def.prim };
    case 'record':
      return { kind: 'record', ...name, fields: def.fields.map((f) => ({ name: f.name, type: inner(f.type) })) };
    case 'variant':
      return {
        kind: 'variant',
        ...name,
        cases: def.cases.map((k) => (k.type === undefined ? { name: k.name } : { name: k.name, type: inner(k.type) })),
      };
    case 'enum':
      return { kind: 'enum', ...name, names: [...def.names] };
    case 'flags':
      return { kind: 'flags', ...name, names: [...def.names] };
    case 'list':
      return { kind: 'list', element: inner(def.element) };
    case 'tuple':
      return { kind: 'tuple', types: def.types.map((t) => inner(t)) };
    case 'option':
      return { kind: 'option', type: inner(def.type) };
    case 'result': {
      const out: WitType = { kind: 'result' };
      if (def.ok !== undefined) out.ok = inner(def.ok);
      if (def.err !== undefined) out.err = inner(def.err);
      return out;
    }
    case 'own':
    case 'borrow': {
      const resource = resourceName(def.resource, c.names);
      c.resources.add(resource);
      return { kind: def.k, resource };
    }
    case 'unsupported':
      throw new Unsupported(`${def.what} are not supported`);
    case 'unknown':
      throw new Unsupported(`its type could not be resolved (${def.why})`);
    default:
      throw new Unsupported(`a ${def.k} type is used where a value type is expected`);
  }
}

export type FunctionOutcome = { ok: true; fn: ExportedFunction } | { ok: false; reason: string };

/** Resource-related name annotations: `[constructor]r`, `[method]r.f`, `[static]r.f`, and their async forms. */
const ANNOTATION = /^\[(async )?(constructor|method|static)\]([^.]+)/;

export function describeFunction(
  name: string,
  iface: string | undefined,
  func: FuncDef,
  names: Map<TypeDef, string>,
): FunctionOutcome {
  const type = func.type && strip(func.type);
  if (!type || type.k !== 'func') {
    return { ok: false, reason: type?.k === 'unknown' ? `its type could not be resolved (${type.why})` : 'its function type could not be resolved' };
  }
  if (type.async || func.async || name.startsWith('[async')) {
    return { ok: false, reason: 'async functions are not supported (component-model async); export a synchronous function instead' };
  }
  const c: Conversion = { names, resources: new Set(), nodes: 0 };
  let where = '';
  const convert = (ref: ValRef, at: string): WitType => {
    where = at;
    return toWit(ref, c);
  };
  const fn: ExportedFunction = iface === undefined ? { name, params: [] } : { interface: iface, name, params: [] };
  try {
    for (const p of type.params) fn.params.push({ name: p.name, type: convert(p.type, `parameter "${p.name}"`) });
    if (type.result !== undefined) fn.result = convert(type.result, 'result');
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, reason: `${e.message} (${where})` };
    throw e;
  }
  const annotated = ANNOTATION.exec(name);
  if (annotated) {
    const [, , kind, resource] = annotated;
    return { ok: false, reason: `resource types are not supported: ${resource} (this is a ${kind === 'static' ? 'static function' : kind} of the resource)` };
  }
  if (c.resources.size > 0) {
    return { ok: false, reason: `resource types are not supported: ${[...c.resources].join(', ')} (used in this function's parameters or result)` };
  }
  return { ok: true, fn };
}
