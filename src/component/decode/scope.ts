/** Sort and index-space operations shared by component bodies and type declarations. */
import type { Reader } from './reader.js';
import { addItem, placeholder, type Item, type Scope, type Sort, type TypeDef } from './model.js';

const SORTS: Record<number, Sort> = { 0x01: 'func', 0x02: 'value', 0x03: 'type', 0x04: 'component', 0x05: 'instance' };
const CORE_MODULE = 0x11;

/** `sort ::= 0x00 core:sort | 0x01 func | 0x02 value | 0x03 type | 0x04 component | 0x05 instance`. */
export function readSort(r: Reader): Sort {
  const at = r.pos;
  const b = r.u8('a sort');
  if (b === 0x00) return r.u8('a core sort') === CORE_MODULE ? 'module' : 'core';
  return SORTS[b] ?? r.fail(`unknown sort 0x${b.toString(16)}`, at);
}

export function typeAt(r: Reader, scope: Scope, idx: number, at: number): TypeDef {
  const def = scope.types[idx];
  if (!def) r.fail(`type index ${idx} is out of range (${scope.types.length} types defined)`, at);
  return def;
}

/** `sortidx`: the item at an index of the current scope. */
export function readSortIdx(r: Reader, scope: Scope): Item {
  const sort = readSort(r);
  const at = r.pos;
  const idx = r.u32('an index');
  return itemAt(r, scope, sort, idx, at);
}

export function itemAt(r: Reader, scope: Scope, sort: Sort, idx: number, at: number): Item {
  const range = (n: number, what: string): never => r.fail(`${what} index ${idx} is out of range (${n} defined)`, at);
  switch (sort) {
    case 'func':
      return { sort, func: scope.funcs[idx] ?? range(scope.funcs.length, 'function') };
    case 'type':
      return { sort, type: typeAt(r, scope, idx, at) };
    case 'instance':
      return { sort, exports: scope.instances[idx] ?? range(scope.instances.length, 'instance') };
    case 'component': {
      const c = scope.components[idx] ?? range(scope.components.length, 'component');
      return { sort, imports: c.imports, exports: c.exports };
    }
    default:
      return { sort };
  }
}

/**
 * `alias ::= sort aliastarget`, appending the aliased item to its index space:
 * `0x00 instanceidx name` (export of an instance), `0x01 core:instanceidx name`
 * (core export, not tracked) or `0x02 ct idx` (outer).
 */
export function readAlias(r: Reader, scope: Scope): void {
  const sort = readSort(r);
  const at = r.pos;
  const target = r.u8('an alias target');
  if (target === 0x00) {
    const instAt = r.pos;
    const idx = r.u32('an instance index');
    const name = r.name('an alias export name');
    const exports = scope.instances[idx];
    if (!exports) r.fail(`instance index ${idx} is out of range (${scope.instances.length} defined)`, instAt);
    const item = exports.get(name);
    addItem(scope, item && item.sort === sort ? item : placeholder(sort, `instance ${idx} has no ${sort} export "${name}"`));
  } else if (target === 0x01) {
    r.u32('a core instance index');
    r.name('an alias export name');
  } else if (target === 0x02) {
    const ctAt = r.pos;
    const ct = r.u32('an outer count');
    const idxAt = r.pos;
    const idx = r.u32('an outer index');
    let outer: Scope | undefined = scope;
    for (let i = 0; i < ct && outer; i++) outer = outer.parent;
    if (!outer) r.fail(`outer alias count ${ct} goes beyond the outermost component`, ctAt);
    if (sort === 'type' || sort === 'component') addItem(scope, itemAt(r, outer, sort, idx, idxAt));
    else if (sort !== 'module' && sort !== 'core') r.fail(`outer aliases of sort ${sort} are not allowed`, at);
  } else {
    r.fail(`unknown alias target 0x${target.toString(16)}`, at);
  }
}

/**
 * `importname'`/`exportname'`: a discriminator byte then the name. 0x01 was
 * the historical "interface name" marker; 0x02 adds a version suffix.
 */
export function readExternName(r: Reader, what: string): string {
  const at = r.pos;
  const kind = r.u8(`the kind of ${what}`);
  if (kind === 0x00 || kind === 0x01) return r.name(what);
  if (kind === 0x02) {
    const name = r.name(what);
    r.name(`the version suffix of ${what}`);
    return name;
  }
  return r.fail(`unknown ${what} kind 0x${kind.toString(16)}`, at);
}
