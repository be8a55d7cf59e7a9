/**
 * Type definitions (`type` section and the declarators of component and
 * instance types), extern descriptors, and skipping of core types.
 */
import type { PrimitiveKind } from '../wit-types.js';
import type { Reader } from './reader.js';
import { addItem, MAX_SCOPE_DEPTH, named, Scope, type DecodeContext, type Exports, type Item, type TypeDef, type ValRef } from './model.js';
import { readAlias, readExternName, typeAt } from './scope.js';

const PRIMITIVES: Record<number, PrimitiveKind> = {
  0x7f: 'bool', 0x7e: 's8', 0x7d: 'u8', 0x7c: 's16', 0x7b: 'u16', 0x7a: 's32', 0x79: 'u32',
  0x78: 's64', 0x77: 'u64', 0x76: 'f32', 0x75: 'f64', 0x74: 'char', 0x73: 'string',
};
const ERROR_CONTEXT = 0x64;
const errorContext: TypeDef = { k: 'unsupported', what: 'error-context values' };

/** `valtype ::= typeidx | primvaltype` (indices are non-negative s33). */
export function readValType(r: Reader, scope: Scope): ValRef {
  const b = r.peek('a value type');
  const prim = PRIMITIVES[b];
  if (prim) {
    r.pos++;
    return prim;
  }
  if (b === ERROR_CONTEXT) {
    r.pos++;
    return errorContext;
  }
  const at = r.pos;
  const idx = r.s33('a value type');
  if (idx < 0) r.fail(`unknown value type 0x${b.toString(16)}`, at);
  return typeAt(r, scope, idx, at);
}

function readOptValType(r: Reader, scope: Scope): ValRef | undefined {
  const at = r.pos;
  const flag = r.u8('an optional value type');
  if (flag === 0x00) return undefined;
  if (flag === 0x01) return readValType(r, scope);
  return r.fail(`expected 0x00 or 0x01 before an optional value type, found 0x${flag.toString(16)}`, at);
}

function readLabelled(r: Reader, scope: Scope, what: string): { name: string; type: ValRef }[] {
  return r.vec(what, () => ({ name: r.name(`a ${what} name`), type: readValType(r, scope) }));
}

/**
 * `resultlist ::= 0x00 valtype | 0x01 0x00`. Older binaries may still carry
 * the since-removed named results (`0x01 vec(labelvaltype)`); they are read
 * and reported as unsupported rather than failing the whole component.
 */
export function readResultList(r: Reader, scope: Scope): ValRef | undefined {
  const at = r.pos;
  const b = r.u8('a function result');
  if (b === 0x00) return readValType(r, scope);
  if (b === 0x01) {
    const named = readLabelled(r, scope, 'named result');
    return named.length === 0 ? undefined : { k: 'unsupported', what: 'named function results (an older component-model encoding)' };
  }
  return r.fail(`unknown function result encoding 0x${b.toString(16)}`, at);
}

/** `type ::= defvaltype | functype | componenttype | instancetype | resourcetype`. */
export function readType(r: Reader, scope: Scope, ctx: DecodeContext): TypeDef {
  const at = r.pos;
  const b = r.u8('a type opcode');
  switch (b) {
    case 0x3f: // resource (rep i32) (dtor f)?
      skipCoreValType(r);
      if (r.u8('a resource destructor flag') === 0x01) r.u32('a destructor index');
      return { k: 'resource' };
    case 0x40: // func
    case 0x43: // async func
      return {
        k: 'func',
        params: readLabelled(r, scope, 'parameter'),
        result: readResultList(r, scope),
        async: b === 0x43,
      };
    case 0x41:
      return readComponentType(r, scope, ctx);
    case 0x42:
      return readInstanceType(r, scope, ctx);
    default:
      return readDefValType(r, scope, b, at);
  }
}

function readDefValType(r: Reader, scope: Scope, b: number, at: number): TypeDef {
  const prim = PRIMITIVES[b];
  if (prim) return { k: 'prim', prim };
  switch (b) {
    case ERROR_CONTEXT:
      return errorContext;
    case 0x72:
      return { k: 'record', fields: readLabelled(r, scope, 'record field') };
    case 0x71:
      return {
        k: 'variant',
        cases: r.vec('variant case', () => {
          const name = r.name('a variant case name');
          const type = readOptValType(r, scope);
          if (r.u8('a variant case refinement flag') === 0x01) r.u32('a refined case index');
          return { name, type };
        }),
      };
    case 0x70:
      return { k: 'list', element: readValType(r, scope) };
    case 0x67:
      readValType(r, scope);
      r.u32('a fixed list length');
      return { k: 'unsupported', what: 'fixed-length lists' };
    case 0x63:
      readValType(r, scope);
      readValType(r, scope);
      return { k: 'unsupported', what: 'map types' };
    case 0x6f:
      return { k: 'tuple', types: r.vec('tuple element', () => readValType(r, scope)) };
    case 0x6e:
      return { k: 'flags', names: r.vec('flag', () => r.name('a flag name')) };
    case 0x6d:
      return { k: 'enum', names: r.vec('enum case', () => r.name('an enum case name')) };
    case 0x6b:
      return { k: 'option', type: readValType(r, scope) };
    case 0x6a:
      return { k: 'result', ok: readOptValType(r, scope), err: readOptValType(r, scope) };
    case 0x69:
    case 0x68: {
      const idxAt = r.pos;
      const resource = typeAt(r, scope, r.u32('a resource type index'), idxAt);
      return { k: b === 0x69 ? 'own' : 'borrow', resource };
    }
    case 0x66:
      readOptValType(r, scope);
      return { k: 'unsupported', what: 'stream types' };
    case 0x65:
      readOptValType(r, scope);
      return { k: 'unsupported', what: 'future types' };
    default:
      return r.fail(`unknown type opcode 0x${b.toString(16)}`, at);
  }
}

/** `componenttype ::= 0x41 vec(componentdecl)`; imports and exports get their own index space. */
export function nestedScope(r: Reader, parent: Scope): Scope {
  const scope = new Scope(parent);
  if (scope.depth > MAX_SCOPE_DEPTH) r.fail(`components and types are nested more than ${MAX_SCOPE_DEPTH} levels deep`);
  return scope;
}

function readComponentType(r: Reader, parent: Scope, ctx: DecodeContext): TypeDef {
  const scope = nestedScope(r, parent);
  const imports: Exports = new Map();
  const exports: Exports = new Map();
  r.vec('component type declaration', () => {
    if (r.peek('a declaration') === 0x03) {
      r.pos++;
      const name = readExternName(r, 'an import name');
      const item = readExternDesc(r, scope, ctx, name);
      addItem(scope, item);
      imports.set(name, item);
    } else {
      readInstanceDecl(r, scope, ctx, exports);
    }
  });
  return { k: 'component', imports, exports };
}

function readInstanceType(r: Reader, parent: Scope, ctx: DecodeContext): TypeDef {
  const scope = nestedScope(r, parent);
  const exports: Exports = new Map();
  r.vec('instance type declaration', () => readInstanceDecl(r, scope, ctx, exports));
  return { k: 'instance', exports };
}

/** `instancedecl ::= 0x00 core:type | 0x01 type | 0x02 alias | 0x04 exportdecl`. */
function readInstanceDecl(r: Reader, scope: Scope, ctx: DecodeContext, exports: Exports): void {
  const at = r.pos;
  const b = r.u8('a declaration');
  switch (b) {
    case 0x00:
      skipCoreType(r);
      break;
    case 0x01:
      scope.types.push(readType(r, scope, ctx));
      break;
    case 0x02:
      readAlias(r, scope);
      break;
    case 0x04: {
      const name = readExternName(r, 'an export name');
      const item = readExternDesc(r, scope, ctx, name);
      addItem(scope, item);
      exports.set(name, item);
      break;
    }
    default:
      r.fail(`unknown declaration 0x${b.toString(16)}`, at);
  }
}

/**
 * `externdesc`: the type of an import, an export declaration or an export
 * ascription. Type imports and exports name the type they introduce.
 */
export function readExternDesc(r: Reader, scope: Scope, ctx: DecodeContext, name: string): Item {
  const at = r.pos;
  const b = r.u8('an extern kind');
  const idxOf = (what: string): TypeDef => {
    const idxAt = r.pos;
    return typeAt(r, scope, r.u32(what), idxAt);
  };
  switch (b) {
    case 0x00:
      if (r.u8('a core sort') !== 0x11) r.fail('only core modules can be imported or exported among core items', at);
      r.u32('a core type index');
      return { sort: 'module' };
    case 0x01:
      return { sort: 'func', func: { type: idxOf('a function type index'), async: false } };
    case 0x02:
      if (r.u8('a value bound') === 0x00) r.u32('a value index');
      else readValType(r, scope);
      return { sort: 'value' };
    case 0x03: {
      const bound = r.u8('a type bound');
      if (bound === 0x00) return { sort: 'type', type: named(ctx, name, idxOf('a type index')) };
      if (bound === 0x01) return { sort: 'type', type: named(ctx, name, { k: 'resource' }) };
      return r.fail(`unknown type bound 0x${bound.toString(16)}`, at + 1);
    }
    case 0x04: {
      const t = idxOf('a component type index');
      return t.k === 'component'
        ? { sort: 'component', imports: t.imports, exports: t.exports }
        : { sort: 'component', imports: new Map(), exports: new Map() };
    }
    case 0x05: {
      const t = idxOf('an instance type index');
      return { sort: 'instance', exports: t.k === 'instance' ? t.exports : new Map() };
    }
    default:
      return r.fail(`unknown extern kind 0x${b.toString(16)}`, at);
  }
}

// ---- core types: only ever skipped ----------------------------------------

/** A core value type or reference type (`(ref null? ht)` carries a heap type). */
function skipCoreValType(r: Reader): void {
  const b = r.u8('a core value type');
  if (b === 0x64 || b === 0x63) r.s33('a heap type');
}

function skipCompType(r: Reader): void {
  const at = r.pos;
  const b = r.u8('a core type');
  switch (b) {
    case 0x60: // func
      r.vec('core parameter', () => skipCoreValType(r));
      r.vec('core result', () => skipCoreValType(r));
      return;
    case 0x5f: // struct
      r.vec('struct field', () => {
        skipCoreValType(r);
        r.u8('a mutability flag');
      });
      return;
    case 0x5e: // array
      skipCoreValType(r);
      r.u8('a mutability flag');
      return;
    case 0x5d: // cont
      r.s33('a type index');
      return;
    default:
      r.fail(`unknown core type opcode 0x${b.toString(16)}`, at);
  }
}

function skipSubType(r: Reader): void {
  const b = r.peek('a core type');
  if (b === 0x50 || b === 0x4f) {
    r.pos++;
    r.vec('supertype', () => r.u32('a supertype index'));
  }
  skipCompType(r);
}

function skipRecGroup(r: Reader): void {
  if (r.peek('a core type') === 0x4e) {
    r.pos++;
    r.vec('recursive type', () => skipSubType(r));
  } else {
    skipSubType(r);
  }
}

function skipLimits(r: Reader): void {
  const flags = r.u8('limits flags');
  r.u64('a minimum');
  if (flags & 0x01) r.u64('a maximum');
  if (flags & 0x08) r.u32('a page size');
}

function skipCoreImportDesc(r: Reader): void {
  const at = r.pos;
  const b = r.u8('a core import kind');
  switch (b) {
    case 0x00:
      r.u32('a type index');
      return;
    case 0x01:
      skipCoreValType(r);
      skipLimits(r);
      return;
    case 0x02:
      skipLimits(r);
      return;
    case 0x03:
      skipCoreValType(r);
      r.u8('a mutability flag');
      return;
    case 0x04:
      r.u8('a tag attribute');
      r.u32('a type index');
      return;
    default:
      r.fail(`unknown core import kind 0x${b.toString(16)}`, at);
  }
}

/**
 * `core:type` inside a component or instance type: a module type (0x50 then
 * declarations), a non-final sub type (0x00 0x50 …) or a GC rec group.
 */
export function skipCoreType(r: Reader): void {
  const b = r.peek('a core type');
  if (b === 0x00) {
    r.pos++;
    skipRecGroup(r);
    return;
  }
  if (b !== 0x50) {
    skipRecGroup(r);
    return;
  }
  r.pos++;
  r.vec('module type declaration', () => {
    const at = r.pos;
    const d = r.u8('a module type declaration');
    switch (d) {
      case 0x00:
        r.name('a module name');
        r.name('an import name');
        skipCoreImportDesc(r);
        return;
      case 0x01:
        skipRecGroup(r);
        return;
      case 0x02:
        r.u8('a core sort');
        r.u8('an alias target');
        r.u32('an outer count');
        r.u32('an outer index');
        return;
      case 0x03:
        r.name('an export name');
        skipCoreImportDesc(r);
        return;
      default:
        r.fail(`unknown module type declaration 0x${d.toString(16)}`, at);
    }
  });
}
