// Doc comments reach a component only through a `package-docs` custom
// section, which no toolchain here writes. This extracts doc comments from WIT
// text and appends them to a component binary.
//
// Format (wit-parser's PackageMetadata, crates/wit-parser/src/metadata.rs in
// bytecodealliance/wasm-tools): one version byte, PACKAGE_DOCS_SECTION_VERSION
// = 1, then JSON:
//
//   { package?, docs?,
//     worlds?:     { <world>: { docs?, funcs?, func_exports?: { <fn>: {docs} },
//                               interfaces?, interface_exports?, types? } },
//     interfaces?: { <iface>: { docs?, funcs?: { <fn>: {docs} },
//                               types?: { <type>: { docs?, items?: { <case>: "doc" } } } } } }
//
// Version 1 writes function metadata as `{docs}` (v0 wrote a bare string) and
// world-level exported functions under `func_exports`. Every struct is
// `deny_unknown_fields`, and the `package` key is newer than the wit-parser
// (0.259) that jco-transpile 0.15 bundles, which rejects it.
//
// Where each part goes:
// - When a component is decoded, its world is always `root` in package
//   `root:component`, whatever the WIT called them, and wit-parser injects the
//   top-level `package-docs` section into that package. So the section named
//   `package-docs` holds the package docs and the built world's docs under
//   `worlds.root` (world docs, world-level function exports). jco and
//   `componentWit` show these.
// - Exported interfaces keep their own package (`local:calculator/...`), and
//   wit-parser 0.259 fails the whole decode ("missing interface") when
//   `package-docs` names an interface that `root:component` does not have. So
//   interface docs go into a second section, `tapedeck:package-docs`, in the
//   same format with `package` naming the interfaces' package (the newer
//   wit-parser's multi-package form); tapedeck's decoder reads both.

const IDENT = '%?([a-z][a-z0-9]*(?:-[a-z0-9]+)*)';
const TYPE_KINDS = 'record|variant|enum|flags|resource|type';

/**
 * Turns `/** … *\/` doc blocks into `///` lines and drops other block
 * comments, so that the line-based extractor below sees one form.
 */
function normalizeComments(wit) {
  return wit.replace(/\/\*[\s\S]*?\*\//g, (block) => {
    if (!block.startsWith('/**') || block === '/**/') return block.replace(/[^\n]/g, ' ');
    const body = block
      .slice(3, -2)
      .split('\n')
      .map((l) => l.replace(/^\s*\*?\s?/, ''));
    while (body.length && body[0].trim() === '') body.shift();
    while (body.length && body[body.length - 1].trim() === '') body.pop();
    // Keep the line count so that brace depth tracking is unaffected.
    const lines = block.split('\n').length;
    const out = body.map((l) => `/// ${l}`);
    while (out.length < lines) out.push('');
    return out.join('\n');
  });
}

/** A line without its trailing `//` comment (WIT has no string literals). */
function code(line) {
  const at = line.indexOf('//');
  return (at < 0 ? line : line.slice(0, at)).trim();
}

/**
 * Extracts the docs of one WIT file:
 * `{ package?, docs?, worlds: {<world>: WorldMetadata}, interfaces: {<iface>: InterfaceMetadata} }`.
 * Covers package, world and interface docs, interface functions, world-level
 * function imports/exports, and type docs (with record field / case docs as
 * `items`). Anything it does not understand is skipped, never guessed.
 */
export function extractDocs(wit) {
  const out = { worlds: {}, interfaces: {} };
  const scopes = []; // stack of { kind, name, entry } per open brace
  let pending = [];
  for (const raw of normalizeComments(wit).split('\n')) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('///')) {
      pending.push(trimmed.slice(3).replace(/^ /, '').replace(/\s+$/, ''));
      continue;
    }
    const line = code(trimmed);
    // Blank lines, plain comments and attributes (@since, @unstable, …) sit
    // between a doc comment and its item without detaching it.
    if (line === '' || line.startsWith('@')) continue;
    const docs = pending.length ? pending.join('\n') : undefined;
    pending = [];
    const scope = scopes[scopes.length - 1];
    let m;
    let opened; // the scope a `{` on this line opens
    if (!scope) {
      if ((m = /^package\s+([^;{\s]+)\s*;/.exec(line))) {
        out.package = m[1];
        if (docs) out.docs = docs;
      } else if ((m = new RegExp(`^(world|interface)\\s+${IDENT}`).exec(line))) {
        const table = m[1] === 'world' ? out.worlds : out.interfaces;
        const entry = (table[m[2]] ??= {});
        if (docs) entry.docs = docs;
        opened = { kind: m[1], name: m[2], entry };
      }
    } else if (scope.kind === 'interface' || scope.kind === 'world') {
      const inWorld = scope.kind === 'world';
      if ((m = new RegExp(`^(?:(import|export)\\s+)?${IDENT}\\s*:\\s*(?:async\\s+)?func\\b`).exec(line))) {
        if (docs && (inWorld ? m[1] : !m[1])) {
          const map = inWorld ? (m[1] === 'export' ? 'func_exports' : 'funcs') : 'funcs';
          (scope.entry[map] ??= {})[m[2]] = { docs };
        }
      } else if ((m = new RegExp(`^(${TYPE_KINDS})\\s+${IDENT}`).exec(line))) {
        // Record fields and cases documented in the body land in `items`,
        // so the entry is kept even when the type itself has no docs.
        const entry = (scope.entry.types ??= {})[m[2]] ?? {};
        if (docs) entry.docs = docs;
        scope.entry.types[m[2]] = entry;
        opened = { kind: m[1], name: m[2], entry };
      } else if ((m = new RegExp(`^(?:import|export)\\s+${IDENT}\\s*:\\s*interface\\b`).exec(line))) {
        opened = { kind: 'inline-interface', name: m[1], entry: {} };
      }
    } else if (['record', 'variant', 'enum', 'flags'].includes(scope.kind)) {
      // Fields and cases, possibly several on one line: `x: f64, y: f64`.
      // A doc comment documents the first item on its line.
      if (docs && (m = new RegExp(`^${IDENT}`).exec(line))) (scope.entry.items ??= {})[m[1]] = docs;
    }
    // Track nesting; a line may open and close (`record p { x: f64 }`).
    for (const ch of line) {
      if (ch === '{') {
        scopes.push(opened ?? { kind: 'other', entry: {} });
        opened = undefined;
      } else if (ch === '}') {
        scopes.pop();
      }
    }
  }
  return out;
}

/** Merges the docs of several WIT files of one package. */
export function mergeDocs(all) {
  const merged = { worlds: {}, interfaces: {} };
  for (const docs of all) {
    if (docs.package) merged.package ??= docs.package;
    if (docs.docs) merged.docs = merged.docs ? `${merged.docs}\n${docs.docs}` : docs.docs;
    Object.assign(merged.worlds, docs.worlds);
    Object.assign(merged.interfaces, docs.interfaces);
  }
  return merged;
}

function nonEmpty(obj) {
  return obj !== undefined && Object.keys(obj).length > 0;
}

/** A name → metadata map without the entries that say nothing. */
function withoutEmpty(map) {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([, v]) => nonEmpty(v)));
}

/**
 * The two section payloads for a component built from `world` of the
 * package these docs describe: `package-docs` (package + world docs, as the
 * decoded `root` world) and `tapedeck:package-docs` (interface docs), each
 * present only when it has something to say.
 */
export function packageDocsSections(docs, world) {
  const sections = [];
  const worldDocs = docs.worlds[world] ?? {};
  const root = {};
  if (worldDocs.docs) root.docs = worldDocs.docs;
  if (nonEmpty(worldDocs.func_exports)) root.func_exports = worldDocs.func_exports;
  // World-level types used by the exports are imports of the decoded world.
  const types = withoutEmpty(worldDocs.types);
  if (nonEmpty(types)) root.types = types;
  const top = {};
  if (docs.docs) top.docs = docs.docs;
  if (nonEmpty(root)) top.worlds = { root };
  if (nonEmpty(top)) sections.push(['package-docs', top]);
  const interfaces = {};
  for (const [name, iface] of Object.entries(docs.interfaces)) {
    const entry = { ...iface };
    const types = withoutEmpty(iface.types);
    if (nonEmpty(types)) entry.types = types;
    else delete entry.types;
    if (nonEmpty(entry)) interfaces[name] = entry;
  }
  if (nonEmpty(interfaces)) {
    sections.push(['tapedeck:package-docs', { ...(docs.package ? { package: docs.package } : {}), interfaces }]);
  }
  return sections;
}

export const PACKAGE_DOCS_SECTION_VERSION = 1;

function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** A custom section: id 0, LEB128 size, LEB128 name length, name, payload. */
export function customSection(name, json) {
  const nameBytes = Buffer.from(name, 'utf8');
  const payload = Buffer.concat([Buffer.from([PACKAGE_DOCS_SECTION_VERSION]), Buffer.from(JSON.stringify(json), 'utf8')]);
  const body = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, payload]);
  return Buffer.concat([Buffer.from([0]), Buffer.from(leb(body.length)), body]);
}

/** Appends the docs sections to a component binary (a custom section may follow any section). */
export function appendPackageDocs(component, docs, world) {
  const sections = packageDocsSections(docs, world).map(([name, json]) => customSection(name, json));
  return Buffer.concat([Buffer.from(component), ...sections]);
}
