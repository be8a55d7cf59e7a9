/**
 * Decoder for WebAssembly component binaries: finds the exported functions
 * and their WIT types, the imports, and the doc comments.
 *
 * This decoder is ours because no library decodes component types for us
 * (jco and wasm-tools expose printing and transpiling, not a type model).
 * It follows the component-model binary format, design/mvp/Binary.md in
 * WebAssembly/component-model (preamble version 0x0d, layer 0x01): sections
 * are walked in order, building the type, function, instance and component
 * index spaces with indices resolved to definitions, so each export's type
 * can be read off — through canon lift, instantiate, inline-export instances,
 * aliases, type exports and type ascriptions. Core modules are skipped by
 * size and never copied.
 */
import type { ComponentInfo, UnsupportedExport, ExportedFunction } from '../wit-types.js';
import { attachDocs } from './docs.js';
import { ComponentDecodeError, malformed } from './errors.js';
import { Scope, type DecodeContext, type FuncDef } from './model.js';
import { Reader } from './reader.js';
import { COMPONENT_LAYER, COMPONENT_VERSION, MAGIC, readComponentBody } from './sections.js';
import { describeFunction, isResource } from './wit.js';

export { ComponentDecodeError } from './errors.js';
export type { ComponentDecodeErrorCode } from './errors.js';

const MAKE_A_COMPONENT =
  'Turn it into a component with `wasm-tools component new module.wasm -o component.wasm` ' +
  '(add `--adapt wasi_snapshot_preview1.reactor.wasm` for a module built for WASI preview1, e.g. with `wasm32-wasip1`), ' +
  'build with a component toolchain (cargo-component, `wasm32-wasip2`), or use `jco componentize` for JavaScript';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function checkPreamble(bytes: Uint8Array): void {
  const head = bytes.subarray(0, 4);
  if (bytes.length < 4 || MAGIC.some((b, i) => head[i] !== b)) {
    if (bytes.length < 4 && MAGIC.slice(0, bytes.length).every((b, i) => bytes[i] === b) && bytes.length > 0) {
      throw malformed(`the file ends inside the preamble (${bytes.length} bytes)`, bytes.length);
    }
    const found = bytes.length === 0 ? 'the file is empty' : `the file starts with ${hex(head)} instead of 00 61 73 6d`;
    const looksLikeText = /^\s*\(/.test(new TextDecoder().decode(bytes.subarray(0, 64)));
    throw new ComponentDecodeError(
      'not-wasm',
      `not a WebAssembly binary (expected the \\0asm magic): ${found}; ` +
        (looksLikeText
          ? 'this looks like WebAssembly text (WAT); compile it first with `wasm-tools parse component.wat -o component.wasm`'
          : 'pass a compiled WebAssembly component (.wasm)'),
    );
  }
  if (bytes.length < 8) throw malformed(`the file ends inside the preamble (${bytes.length} bytes)`, bytes.length);
  const version = bytes[4] | (bytes[5] << 8);
  const layer = bytes[6] | (bytes[7] << 8);
  if (layer === 0) {
    throw new ComponentDecodeError(
      'core-module',
      `this is a core WebAssembly module, not a component: tapedeck runs WebAssembly components (WASI 0.2). ${MAKE_A_COMPONENT}`,
    );
  }
  if (layer !== COMPONENT_LAYER) {
    throw new ComponentDecodeError(
      'unsupported-version',
      `unknown WebAssembly binary layer ${layer} (expected 1 for a component); it was produced by a toolchain this version of tapedeck does not understand`,
    );
  }
  if (version !== COMPONENT_VERSION) {
    throw new ComponentDecodeError(
      'unsupported-version',
      `unsupported component binary version 0x${version.toString(16).padStart(2, '0')} (this tapedeck reads version 0x0d); ` +
        'rebuild the component with a current toolchain (wasm-tools, jco, cargo-component)',
    );
  }
}

export function decodeComponent(bytes: Uint8Array): ComponentInfo {
  checkPreamble(bytes);
  const ctx: DecodeContext = { names: new Map(), docs: [] };
  const top = readComponentBody(new Reader(bytes, 8, bytes.length), new Scope(), ctx);

  const functions: ExportedFunction[] = [];
  const unsupported: UnsupportedExport[] = [];
  const addFunction = (name: string, iface: string | undefined, func: FuncDef) => {
    const outcome = describeFunction(name, iface, func, ctx.names);
    if (outcome.ok) functions.push(outcome.fn);
    else unsupported.push({ name: iface === undefined ? name : `${iface}#${name}`, reason: outcome.reason });
  };

  for (const [name, item] of top.exports) {
    switch (item.sort) {
      case 'func':
        addFunction(name, undefined, item.func);
        break;
      case 'instance':
        for (const [member, inner] of item.exports) {
          const full = `${name}#${member}`;
          if (inner.sort === 'func') addFunction(member, name, inner.func);
          else if (inner.sort === 'type' && isResource(inner.type)) {
            unsupported.push({ name: full, reason: `resource types are not supported: ${member}` });
          } else if (inner.sort !== 'type') {
            unsupported.push({ name: full, reason: `exported ${inner.sort === 'module' ? 'core module' : inner.sort}s inside an interface are not supported` });
          }
        }
        break;
      case 'type':
        if (isResource(item.type)) unsupported.push({ name, reason: `resource types are not supported: ${name}` });
        break;
      default:
        unsupported.push({
          name,
          reason: `exported ${item.sort === 'module' ? 'core module' : item.sort}s are not supported; export functions or interfaces of functions`,
        });
    }
  }

  const info: ComponentInfo = { functions, unsupported, imports: top.importNames };
  attachDocs(info, ctx.docs);
  return info;
}
