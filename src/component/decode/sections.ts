/**
 * Walks the sections of a component (and, recursively, of nested components),
 * building its index spaces and collecting its imports and exports.
 */
import { parsePackageDocs } from './docs.js';
import { Reader } from './reader.js';
import { addItem, named, Scope, type ComponentDef, type DecodeContext, type Exports, type Item } from './model.js';
import { readAlias, readExternName, readSortIdx, typeAt } from './scope.js';
import { nestedScope, readExternDesc, readResultList, readType, readValType } from './types.js';

export const MAGIC = [0x00, 0x61, 0x73, 0x6d];
export const COMPONENT_VERSION = 0x0d;
export const COMPONENT_LAYER = 0x01;

const SECTION_NAMES = [
  'custom', 'core module', 'core instance', 'core type', 'component', 'instance',
  'alias', 'type', 'canon', 'start', 'import', 'export', 'value',
];

/** Decodes the sections of one component body; the preamble has already been read. */
export function readComponentBody(r: Reader, scope: Scope, ctx: DecodeContext): ComponentDef & { importNames: string[] } {
  const imports: Exports = new Map();
  const exports: Exports = new Map();
  const importNames: string[] = [];
  while (!r.done) {
    const at = r.pos;
    const id = r.u8('a section id');
    if (SECTION_NAMES[id] === undefined) r.fail(`unknown section id ${id}`, at);
    const what = `${SECTION_NAMES[id]} section`;
    const size = r.u32(`the size of the ${what}`);
    const s = r.sub(size, `the ${what}`);
    switch (id) {
      case 0:
        readCustom(s, ctx);
        break;
      case 1: // core module: its body is never looked at
      case 2: // core instances
      case 3: // core types
        s.pos = s.end;
        break;
      case 4:
        readPreamble(s, 'nested component');
        scope.components.push(readComponentBody(s, nestedScope(s, scope), ctx));
        break;
      case 5:
        s.vec('instance', () => scope.instances.push(readInstance(s, scope, ctx)));
        break;
      case 6:
        s.vec('alias', () => readAlias(s, scope));
        break;
      case 7:
        s.vec('type', () => scope.types.push(readType(s, scope, ctx)));
        break;
      case 8:
        s.vec('canonical definition', () => readCanon(s, scope));
        break;
      case 9:
        s.u32('a start function index');
        s.vec('start argument', () => s.u32('a value index'));
        scope.values += s.u32('the number of start results');
        break;
      case 10:
        s.vec('import', () => {
          const name = readExternName(s, 'an import name');
          const item = readExternDesc(s, scope, ctx, name);
          addItem(scope, item);
          imports.set(name, item);
          importNames.push(name);
        });
        break;
      case 11:
        s.vec('export', () => {
          const name = readExternName(s, 'an export name');
          const item = readExport(s, scope, ctx, name);
          addItem(scope, item);
          exports.set(name, item);
        });
        break;
      case 12:
        s.vec('value', () => {
          readValType(s, scope);
          s.skip(s.u32('a value length'), 'a value');
          scope.values++;
        });
        break;
    }
    if (!s.done) s.fail(`the ${what} has ${s.end - s.pos} bytes left over after its contents`);
  }
  return { imports, exports, importNames };
}

/** `magic version layer`, for nested components (the top level reports its own errors). */
export function readPreamble(r: Reader, what: string): void {
  const at = r.pos;
  for (const b of MAGIC) if (r.u8(`the ${what} preamble`) !== b) r.fail(`the ${what} does not start with the \\0asm magic`, at);
  const version = r.u8(`the ${what} version`) | (r.u8(`the ${what} version`) << 8);
  const layer = r.u8(`the ${what} layer`) | (r.u8(`the ${what} layer`) << 8);
  if (layer !== COMPONENT_LAYER) r.fail(`the ${what} is a core module where a component was expected`, at);
  if (version !== COMPONENT_VERSION) r.fail(`the ${what} has component binary version 0x${version.toString(16)} (expected 0x0d)`, at);
}

function readCustom(s: Reader, ctx: DecodeContext): void {
  const name = s.name('a custom section name');
  // `tapedeck:package-docs` has the same format. jco refuses a `package-docs`
  // section that documents interfaces outside the component's root package
  // ("missing interface"), so tapedeck's example build puts interface docs there.
  if (name === 'package-docs' || name === 'tapedeck:package-docs') {
    const docs = parsePackageDocs(s.bytes.subarray(s.pos, s.end));
    if (docs !== undefined) ctx.docs.push(docs);
  }
  s.pos = s.end;
}

/** `instance ::= 0x00 componentidx vec(instantiatearg) | 0x01 vec(inlineexport)`. */
function readInstance(r: Reader, scope: Scope, ctx: DecodeContext): Exports {
  const at = r.pos;
  const b = r.u8('an instance kind');
  if (b === 0x00) {
    const idxAt = r.pos;
    const idx = r.u32('a component index');
    const component = scope.components[idx];
    if (!component) r.fail(`component index ${idx} is out of range (${scope.components.length} defined)`, idxAt);
    r.vec('instantiation argument', () => {
      r.name('an instantiation argument name');
      readSortIdx(r, scope);
    });
    // The instance has the component's exports. Imported types it re-exports
    // keep the names the component gave them, which is what WIT shows.
    return component.exports;
  }
  if (b === 0x01) {
    const exports: Exports = new Map();
    r.vec('inline export', () => {
      const name = readExternName(r, 'an export name');
      const item = readSortIdx(r, scope);
      // Exporting a type names it: `(export "point" (type 3))` makes type 3 `point`.
      exports.set(name, item.sort === 'type' ? { sort: 'type', type: named(ctx, name, item.type) } : item);
    });
    return exports;
  }
  return r.fail(`unknown instance kind 0x${b.toString(16)}`, at);
}

/** `export ::= exportname' sortidx externdesc?`; an ascribed type wins over the inferred one. */
function readExport(r: Reader, scope: Scope, ctx: DecodeContext, name: string): Item {
  const item = readSortIdx(r, scope);
  const at = r.pos;
  const flag = r.u8('an export type flag');
  let ascribed: Item | undefined;
  if (flag === 0x01) ascribed = readExternDesc(r, scope, ctx, name);
  else if (flag !== 0x00) r.fail(`expected 0x00 or 0x01 before an export type, found 0x${flag.toString(16)}`, at);

  if (ascribed && ascribed.sort !== item.sort) r.fail(`export "${name}" is a ${item.sort} but its type is a ${ascribed.sort}`, at);
  switch (item.sort) {
    case 'func':
      return ascribed?.sort === 'func' ? { sort: 'func', func: { type: ascribed.func.type, async: item.func.async } } : item;
    case 'instance':
      return ascribed?.sort === 'instance' ? ascribed : item;
    case 'type':
      return { sort: 'type', type: named(ctx, name, item.type) };
    default:
      return item;
  }
}

/** Canonical options; returns whether `async` was among them. */
function readCanonOpts(r: Reader): boolean {
  let isAsync = false;
  r.vec('canonical option', () => {
    const at = r.pos;
    const o = r.u8('a canonical option');
    if (o === 0x06) isAsync = true;
    else if (o === 0x03 || o === 0x04 || o === 0x05 || o === 0x07 || o === 0x08) r.u32('a canonical option index');
    else if (o > 0x09) r.fail(`unknown canonical option 0x${o.toString(16)}`, at);
  });
  return isAsync;
}

/**
 * One canonical definition. Only `canon lift` defines a component function;
 * every built-in defines a core function and is read just to move past it.
 */
function readCanon(r: Reader, scope: Scope): void {
  const at = r.pos;
  const op = r.u8('a canonical definition');
  const u32 = (): void => void r.u32('an index');
  const byte = (): void => void r.u8('a flag');
  switch (op) {
    case 0x00: {
      if (r.u8('the lift sort') !== 0x00) r.fail('malformed canon lift', at);
      r.u32('a core function index');
      const isAsync = readCanonOpts(r);
      const idxAt = r.pos;
      const type = typeAt(r, scope, r.u32('a function type index'), idxAt);
      scope.funcs.push({ type, async: isAsync });
      return;
    }
    case 0x01:
      if (r.u8('the lower sort') !== 0x00) r.fail('malformed canon lower', at);
      u32();
      readCanonOpts(r);
      return;
    case 0x09: // task.return
      readResultList(r, scope);
      readCanonOpts(r);
      return;
    case 0x0a: // context.get / context.set: core value type, slot
    case 0x0b:
      byte();
      u32();
      return;
    case 0x0f: case 0x10: case 0x16: case 0x17: // stream/future read/write: type, options
      u32();
      readCanonOpts(r);
      return;
    case 0x11: case 0x12: case 0x18: case 0x19: // cancel read/write: type, async flag
      u32();
      byte();
      return;
    case 0x1c: case 0x1d: // error-context.new / debug-message
      readCanonOpts(r);
      return;
    case 0x20: case 0x21: // waitable-set.wait / poll: cancellable flag, memory
      byte();
      u32();
      return;
    case 0x27: case 0x41: // thread.new-indirect / spawn-indirect: type, table
      u32();
      u32();
      return;
    case 0x02: case 0x03: case 0x04: case 0x07: // resource.new / drop / rep / drop async
    case 0x0e: case 0x13: case 0x14: case 0x15: case 0x1a: case 0x1b: // stream/future new and drops
    case 0x40: // thread.spawn-ref
      u32();
      return;
    case 0x06: case 0x0c: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: // one flag byte
      byte();
      return;
    case 0x05: case 0x08: case 0x0d: case 0x1e: case 0x1f: case 0x22: case 0x23:
    case 0x24: case 0x25: case 0x26: case 0x28: case 0x42: // no immediates
      return;
    default:
      r.fail(`unknown canonical definition 0x${op.toString(16)}`, at);
  }
}
