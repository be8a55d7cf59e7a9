/**
 * The decoder's internal model: definitions found in the binary, with index
 * references already resolved to objects (indices are only meaningful inside
 * the scope that defined them), and the index spaces of one scope.
 */
import type { PrimitiveKind } from '../wit-types.js';

export type ValRef = PrimitiveKind | TypeDef;

export type TypeDef =
  | { k: 'prim'; prim: PrimitiveKind }
  | { k: 'record'; fields: { name: string; type: ValRef }[] }
  | { k: 'variant'; cases: { name: string; type?: ValRef }[] }
  | { k: 'list'; element: ValRef }
  | { k: 'tuple'; types: ValRef[] }
  | { k: 'flags'; names: string[] }
  | { k: 'enum'; names: string[] }
  | { k: 'option'; type: ValRef }
  | { k: 'result'; ok?: ValRef; err?: ValRef }
  | { k: 'own' | 'borrow'; resource: TypeDef }
  /** A value type tapedeck cannot map to JSON (stream, future, error-context, fixed-length list, map). */
  | { k: 'unsupported'; what: string }
  | { k: 'func'; params: { name: string; type: ValRef }[]; result?: ValRef; async: boolean }
  | { k: 'instance'; exports: Exports }
  | { k: 'component'; imports: Exports; exports: Exports }
  | { k: 'resource' }
  /** A type given a name by an import or export (`(export "point" (type 3))`). */
  | { k: 'named'; name: string; target: TypeDef }
  /** Placeholder that keeps index spaces aligned when something could not be resolved. */
  | { k: 'unknown'; why: string };

export interface FuncDef {
  /** Normally a `func` TypeDef; anything else means the type could not be resolved. */
  type?: TypeDef;
  /** Lifted with the `async` canonical option. */
  async: boolean;
}

export interface ComponentDef {
  imports: Exports;
  exports: Exports;
}

export type Item =
  | { sort: 'func'; func: FuncDef }
  | { sort: 'type'; type: TypeDef }
  | { sort: 'instance'; exports: Exports }
  | ({ sort: 'component' } & ComponentDef)
  | { sort: 'value' }
  | { sort: 'module' }
  | { sort: 'core' };

export type Exports = Map<string, Item>;

export type Sort = Item['sort'];

/** State shared by the whole decode. */
export interface DecodeContext {
  /** Names that imports and exports gave to type definitions, first one wins. */
  names: Map<TypeDef, string>;
  /** Parsed `package-docs` custom sections. */
  docs: Record<string, unknown>[];
}

/**
 * The index spaces of a component, component type or instance type. Core
 * index spaces are not tracked: nothing tapedeck reports depends on them.
 */
export class Scope {
  readonly types: TypeDef[] = [];
  readonly funcs: FuncDef[] = [];
  readonly instances: Exports[] = [];
  readonly components: ComponentDef[] = [];
  values = 0;
  /** How many scopes enclose this one; bounded so hostile nesting cannot exhaust the stack. */
  readonly depth: number;

  constructor(readonly parent?: Scope) {
    this.depth = parent ? parent.depth + 1 : 0;
  }
}

export const MAX_SCOPE_DEPTH = 100;

export function strip(def: TypeDef): TypeDef {
  while (def.k === 'named') def = def.target;
  return def;
}

export function named(ctx: DecodeContext, name: string, target: TypeDef): TypeDef {
  const base = strip(target);
  if (!ctx.names.has(base)) ctx.names.set(base, name);
  return { k: 'named', name, target };
}

export function placeholder(sort: Sort, why: string): Item {
  switch (sort) {
    case 'func':
      return { sort, func: { async: false } };
    case 'type':
      return { sort, type: { k: 'unknown', why } };
    case 'instance':
      return { sort, exports: new Map() };
    case 'component':
      return { sort, imports: new Map(), exports: new Map() };
    default:
      return { sort };
  }
}

/** Appends an item to the index space of its sort. */
export function addItem(scope: Scope, item: Item): void {
  switch (item.sort) {
    case 'func':
      scope.funcs.push(item.func);
      break;
    case 'type':
      scope.types.push(item.type);
      break;
    case 'instance':
      scope.instances.push(item.exports);
      break;
    case 'component':
      scope.components.push({ imports: item.imports, exports: item.exports });
      break;
    case 'value':
      scope.values++;
      break;
    default:
      break; // core index spaces are not tracked
  }
}
