// Doc comments reach a component only through a `package-docs` custom
// section, which no toolchain here writes; this extracts `///` comments from
// WIT text (package, worlds, interfaces, functions, types) into wit-parser's
// PackageMetadata JSON and appends the section to a component binary.

/** Extracts docs from one WIT file's text. */
export function extractDocs(wit) {
  const docs = { worlds: {}, interfaces: {} };
  let pending = [];
  let scope; // { kind: 'world'|'interface', name }
  let depth = 0;
  for (const raw of wit.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('///')) {
      pending.push(line.slice(3).replace(/^ /, ''));
      continue;
    }
    const text = pending.join('\n');
    pending = [];
    if (line === '' || line.startsWith('//')) continue;
    let m;
    if (depth === 0 && (m = /^package\s+[^;]+;/.exec(line))) {
      if (text) docs.docs = text;
    } else if (depth === 0 && (m = /^(world|interface)\s+([a-z0-9-]+)\s*\{/.exec(line))) {
      scope = { kind: m[1], name: m[2] };
      const table = m[1] === 'world' ? docs.worlds : docs.interfaces;
      table[m[2]] = { ...(text ? { docs: text } : {}) };
    } else if (scope && depth === 1 && text) {
      const entry = (scope.kind === 'world' ? docs.worlds : docs.interfaces)[scope.name];
      if ((m = /^export\s+([a-z0-9-]+)\s*:\s*func/.exec(line)) && scope.kind === 'world') {
        (entry.func_exports ??= {})[m[1]] = { docs: text };
      } else if ((m = /^([a-z0-9-]+)\s*:\s*func/.exec(line)) && scope.kind === 'interface') {
        (entry.funcs ??= {})[m[1]] = { docs: text };
      } else if ((m = /^(?:record|variant|enum|flags|resource|type)\s+([a-z0-9-]+)/.exec(line))) {
        (entry.types ??= {})[m[1]] = { docs: text };
      }
    }
    for (const ch of line) {
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
    }
    if (depth === 0) scope = undefined;
  }
  return docs;
}

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

function customSection(name, docs) {
  const nameBytes = Buffer.from(name);
  const payload = Buffer.concat([Buffer.from([1]), Buffer.from(JSON.stringify(docs))]);
  const body = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, payload]);
  return Buffer.concat([Buffer.from([0]), Buffer.from(leb(body.length)), body]);
}

/**
 * Appends the docs to a component (version byte 1 + JSON). A built component's
 * world is always `root` in package `root:component`, whatever the WIT called
 * it, so world docs go under that name in `package-docs`, which jco also reads.
 * Exported interfaces belong to other packages, and jco rejects a
 * `package-docs` section naming them ("missing interface"), so interface docs
 * go into `tapedeck:package-docs`, which tapedeck's decoder reads too.
 */
export function appendPackageDocs(component, docs) {
  const worlds = Object.values(docs.worlds);
  const world = Object.assign({}, ...worlds);
  const rootDocs = { ...(docs.docs ? { docs: docs.docs } : {}), worlds: { root: world } };
  const sections = [Buffer.from(component), customSection('package-docs', rootDocs)];
  if (Object.keys(docs.interfaces).length > 0) sections.push(customSection('tapedeck:package-docs', { interfaces: docs.interfaces }));
  return Buffer.concat(sections);
}
