import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A guest path without `.` segments and repeated or trailing slashes ("" for the root). */
function clean(path) {
  return path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

/**
 * Finds the preopened directory that covers `path` (the longest guest-path
 * prefix) and the path relative to it. Guest paths are absolute (`/data/x`);
 * a preopen with a relative guest path (`data`) also matches `/data/x`.
 * `..` is passed through: the host refuses to let it escape a preopen.
 */
function locate(path) {
  if (typeof path !== 'string' || path === '') throw 'path must not be empty';
  const wanted = clean(path);
  let best;
  for (const [descriptor, guestPath] of getDirectories()) {
    const base = clean(guestPath);
    if (base === '' || wanted === base || wanted.startsWith(`${base}/`)) {
      if (!best || base.length > best[1].length) best = [descriptor, base];
    }
  }
  if (!best) throw `no granted directory covers ${path}`;
  const relative = wanted.slice(best[1].length).replace(/^\/+/, '');
  return [best[0], relative === '' ? '.' : relative];
}

function failure(op, path, error) {
  const code = error && typeof error === 'object' && 'payload' in error ? error.payload : error;
  return `${op} ${path}: ${typeof code === 'string' ? code : JSON.stringify(code)}`;
}

function attempt(op, path, fn) {
  try {
    return fn();
  } catch (error) {
    throw failure(op, path, error);
  }
}

function openDirectory(path) {
  const [dir, rel] = locate(path);
  return dir.openAt({ symlinkFollow: true }, rel, { directory: true }, { read: true });
}

export function listDirectory(path) {
  return attempt('list-directory', path, () => {
    const stream = openDirectory(path).readDirectory();
    const names = [];
    for (let entry = stream.readDirectoryEntry(); entry; entry = stream.readDirectoryEntry()) names.push(entry.name);
    return names.sort();
  });
}

export function readFile(path) {
  return attempt('read-file', path, () => {
    const [dir, rel] = locate(path);
    // Reading a directory would fail in the host's read, not with a WASI code.
    if (dir.statAt({ symlinkFollow: true }, rel).type === 'directory') throw 'is-directory';
    const file = dir.openAt({ symlinkFollow: true }, rel, {}, { read: true });
    const chunks = [];
    let offset = 0n;
    for (;;) {
      const [bytes, end] = file.read(65536n, offset);
      chunks.push(bytes);
      offset += BigInt(bytes.length);
      if (end || bytes.length === 0) break;
    }
    const total = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      total.set(c, at);
      at += c.length;
    }
    return decoder.decode(total);
  });
}

export function writeFile(path, content) {
  return attempt('write-file', path, () => {
    const [dir, rel] = locate(path);
    const file = dir.openAt({ symlinkFollow: true }, rel, { create: true, truncate: true }, { write: true });
    const bytes = encoder.encode(content);
    let offset = 0;
    while (offset < bytes.length) offset += Number(file.write(bytes.subarray(offset), BigInt(offset)));
    return `wrote ${bytes.length} bytes to ${path}`;
  });
}

export function createDirectory(path) {
  return attempt('create-directory', path, () => {
    const [dir, rel] = locate(path);
    dir.createDirectoryAt(rel);
    return `created ${path}`;
  });
}

export function movePath(source, destination) {
  return attempt('move-path', source, () => {
    const [from, fromRel] = locate(source);
    const [to, toRel] = locate(destination);
    from.renameAt(fromRel, to, toRel);
    return `moved ${source} to ${destination}`;
  });
}

export function deleteFile(path) {
  return attempt('delete-file', path, () => {
    const [dir, rel] = locate(path);
    dir.unlinkFileAt(rel);
    return `deleted ${path}`;
  });
}

export function fileExists(path) {
  return attempt('file-exists', path, () => {
    const [dir, rel] = locate(path);
    try {
      dir.statAt({ symlinkFollow: true }, rel);
      return true;
    } catch (error) {
      const code = error && typeof error === 'object' && 'payload' in error ? error.payload : error;
      if (code === 'no-entry') return false;
      throw error;
    }
  });
}

export function getFileInfo(path) {
  return attempt('get-file-info', path, () => {
    const [dir, rel] = locate(path);
    const stat = dir.statAt({ symlinkFollow: true }, rel);
    return `${stat.type}, ${stat.size} bytes`;
  });
}
