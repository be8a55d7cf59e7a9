/**
 * The WASI 0.2 host one component instance sees: preview2-shim's
 * implementation with every capability narrowed to the component's grants.
 *
 * The shim leaks by default (whole process.env, host stdin, process.exit,
 * writable mounts, any outgoing HTTP); each override below closes one of
 * those holes and records what it refused, because guest languages often
 * hide the host's error from the user.
 */
import { realpathSync } from 'node:fs';
import { posix } from 'node:path';
import type { WASIShim as WASIShimClass } from '@bytecodealliance/preview2-shim/instantiation';
import type { Denial } from '../../app/types.js';
import { checkNetworkAccess, networkGrantFor } from '../../policy/network.js';
import type { Policy } from '../../policy/types.js';
import type { SandboxGrants } from '../protocol.js';

/** Thrown through the guest by `wasi:cli/exit`; ends the call, never the process. */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`guest called exit(${code})`);
  }
}

export interface CallCapture {
  denials: Denial[];
  stdout: OutputCapture;
  stderr: OutputCapture;
}

export class OutputCapture {
  private chunks: Uint8Array[] = [];
  private kept = 0;
  private dropped = 0;
  constructor(private readonly limit: number) {}
  push(bytes: Uint8Array): void {
    const room = this.limit - this.kept;
    if (room <= 0) {
      this.dropped += bytes.length;
      return;
    }
    const part = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.chunks.push(Uint8Array.from(part));
    this.kept += part.length;
    this.dropped += bytes.length - part.length;
  }
  take(): string {
    if (this.chunks.length === 0 && this.dropped === 0) return '';
    const text = Buffer.concat(this.chunks).toString('utf8');
    const note = this.dropped > 0 ? `\n[… ${this.dropped} more bytes dropped]` : '';
    this.chunks = [];
    this.kept = 0;
    this.dropped = 0;
    return text + note;
  }
}

type Access = { mode: 'deny-all' | 'read' | 'read-write'; guestPath: string; hostPath: string };

/* eslint-disable @typescript-eslint/no-explicit-any */
type ImportObject = Record<string, any>;

/** Methods of wasi:filesystem/types#descriptor that change the filesystem. */
const MUTATING_AT = ['createDirectoryAt', 'removeDirectoryAt', 'symlinkAt', 'unlinkFileAt', 'setTimesAt'] as const;
const MUTATING_SELF = ['setSize', 'setTimes', 'write', 'writeViaStream', 'appendViaStream'] as const;
const READING_AT = ['statAt', 'readlinkAt', 'metadataHashAt'] as const;
const READING_SELF = ['read', 'readViaStream', 'readDirectory'] as const;

/**
 * Module-level state of this worker: one worker hosts one component, so the
 * Descriptor class patch and the access table are that component's alone.
 */
const access = new WeakMap<object, Access>();
let currentCapture: CallCapture | undefined;
let componentId = 'component';
let descriptorPatched = false;
let protectedPaths: string[] = [];

export function setCapture(capture: CallCapture | undefined): void {
  currentCapture = capture;
}

function deny(denial: Omit<Denial, 'message'> & { message?: string }): void {
  const message = denial.message ?? `${denial.kind} access to ${denial.target} denied`;
  const full: Denial = { ...denial, message: `${message} — grant it with: ${denial.grant}` };
  const list = currentCapture?.denials;
  if (list && !list.some((d) => d.message === full.message)) list.push(full);
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:@,*-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function storageDenied(target: string, write: boolean): never {
  const dir = target === '/' ? '/' : posix.dirname(target);
  const uri = `fs://${dir}`;
  deny({
    kind: 'storage',
    target: `${target} (${write ? 'write' : 'read'})`,
    message: `storage ${write ? 'write' : 'read'} access to ${target} denied`,
    grant: `tapedeck permission grant storage ${quote(componentId)} ${quote(uri)} --access ${write ? 'read,write' : 'read'}`,
  });
  throw write ? 'read-only' : 'access';
}

/** The shim reads `\\` as a path separator: every check must see the path it will use. */
function separators(path: string): string {
  return String(path).replace(/\\/g, '/');
}

function childPath(parent: Access, path: string): string {
  return posix.normalize(posix.join(parent.guestPath, separators(path)));
}

function childHostPath(parent: Access, path: string): string {
  return posix.normalize(posix.join(parent.hostPath, separators(path)));
}

/**
 * Where a host path really leads: symlinks resolved (the final one only when
 * the operation follows it), missing trailing parts appended as named.
 */
function realHostPath(hostPath: string, followFinal: boolean): string {
  let head = followFinal ? hostPath : posix.dirname(hostPath);
  const rest: string[] = followFinal ? [] : [posix.basename(hostPath)];
  for (;;) {
    try {
      return posix.join(realpathSync(head), ...rest);
    } catch {
      const parent = posix.dirname(head);
      if (parent === head) return hostPath;
      rest.unshift(posix.basename(head));
      head = parent;
    }
  }
}

/**
 * Whether `hostPath` is tapedeck's own state: a protected directory itself,
 * or an entry below it whose first name contains a dot (every file tapedeck
 * keeps there is `<id>.<ext>` or `.cache`; ids have no dots). Names without
 * a dot, such as the `workspace` of a relative grant `fs://workspace`, stay
 * usable. `mutates` also protects the directories above a protected one, so
 * a guest cannot rename them away and plant a new component directory.
 */
function isProtected(hostPath: string, followFinal: boolean, mutates: boolean): boolean {
  const real = realHostPath(hostPath, followFinal);
  return protectedPaths.some((p) => {
    if (real === p) return true;
    if (real.startsWith(`${p}/`)) return real.slice(p.length + 1).split('/', 1)[0].includes('.');
    return mutates && p.startsWith(real === '/' ? '/' : `${real}/`);
  });
}

/** Refuses paths inside tapedeck's own state even when a broad grant covers them. */
function checkProtected(mount: Access, path: string, write: boolean, followFinal = false): void {
  if (!isProtected(childHostPath(mount, path), followFinal, write)) return;
  const target = childPath(mount, path);
  deny({
    kind: 'storage',
    target: `${target} (${write ? 'write' : 'read'})`,
    message: `storage access to ${target} denied: it holds tapedeck's components, policies or secrets`,
    grant: 'no grant can allow this; keep component and secrets directories outside granted paths',
  });
  throw 'access';
}

/**
 * Every file a guest opens is a real descriptor of the tapedeck process, so
 * one component holding thousands would starve all others (EMFILE: no worker
 * can start, no file open, no component load). A worker hosts one component:
 * its open descriptors are counted here (opened by openAt, closed when the
 * guest drops the resource or the shim's finalizer collects it), and an open
 * beyond the cap is refused like any denied access.
 */
export const MAX_OPEN_DESCRIPTORS = 256;
/**
 * Guests built with componentize-js never drop the descriptors they open
 * (the filesystem example leaks three per call), so the count only grows.
 * Past this many between calls, the worker asks to be replaced: the host
 * starts a fresh instance before the next call and every descriptor closes.
 */
export const RECYCLE_OPEN_DESCRIPTORS = 128;

/** Descriptors the guest holds open now (see MAX_OPEN_DESCRIPTORS). */
export function openDescriptorCount(): number {
  return openDescriptors;
}
const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
let openDescriptors = 0;
const openEntries = new WeakMap<object, { open: boolean }>();
const collected = new FinalizationRegistry<{ open: boolean }>((entry) => closeEntry(entry));

function closeEntry(entry: { open: boolean } | undefined): void {
  if (!entry?.open) return;
  entry.open = false;
  openDescriptors--;
}

function countOpen(descriptor: object): void {
  const entry = { open: true };
  openDescriptors++;
  openEntries.set(descriptor, entry);
  collected.register(descriptor, entry);
}

function countClosed(descriptor: object): void {
  closeEntry(openEntries.get(descriptor));
}

function tooManyOpen(target: string): never {
  deny({
    kind: 'storage',
    target: `${target} (open)`,
    message: `opening ${target} refused: the component already holds ${MAX_OPEN_DESCRIPTORS} open files, the limit per component`,
    grant: 'no grant raises this limit; close (drop) files the component no longer uses',
  });
  // WASI has no "too many open files"; `quota` is the resource-limit code.
  throw 'quota';
}

/**
 * Wraps Descriptor methods once per worker. Descriptors are created inside
 * the shim (preopens and openAt results), so the wrapper tracks each one's
 * mount in `access` and checks the mount's mode before delegating.
 */
function patchDescriptor(Descriptor: any): void {
  if (descriptorPatched) return;
  descriptorPatched = true;
  const proto = Descriptor.prototype;
  const original = { ...Object.fromEntries(Object.getOwnPropertyNames(proto).map((k) => [k, proto[k]])) };

  proto.openAt = function (pathFlags: any, path: string, openFlags: any, descriptorFlags: any) {
    const mount = access.get(this);
    if (mount) {
      const target = childPath(mount, path);
      const writes = Boolean(
        openFlags?.create || openFlags?.truncate || descriptorFlags?.write || descriptorFlags?.mutateDirectory,
      );
      if (mount.mode === 'deny-all') storageDenied(target, writes);
      if (mount.mode === 'read' && writes) storageDenied(target, true);
      checkProtected(mount, path, writes, Boolean(pathFlags?.symlinkFollow));
    }
    if (openDescriptors >= MAX_OPEN_DESCRIPTORS) tooManyOpen(mount ? childPath(mount, path) : path);
    const child = original.openAt.call(this, pathFlags, path, openFlags, descriptorFlags);
    countOpen(child);
    if (mount) access.set(child, { mode: mount.mode, guestPath: childPath(mount, path), hostPath: childHostPath(mount, path) });
    return child;
  };
  const dispose = proto[symbolDispose];
  proto[symbolDispose] = function (this: object) {
    countClosed(this);
    return dispose?.call(this);
  };
  for (const name of MUTATING_AT) {
    proto[name] = function (...args: any[]) {
      const mount = access.get(this);
      // The path the call changes: symlinkAt(target, path) and setTimesAt(flags, path, …) take it second.
      const path = String(name === 'symlinkAt' || name === 'setTimesAt' ? args[1] : args[0]);
      if (mount && mount.mode !== 'read-write') storageDenied(childPath(mount, path), true);
      if (mount) checkProtected(mount, path, true, name === 'setTimesAt' && Boolean(args[0]?.symlinkFollow));
      return original[name].apply(this, args);
    };
  }
  for (const name of MUTATING_SELF) {
    proto[name] = function (...args: any[]) {
      const mount = access.get(this);
      if (mount && mount.mode !== 'read-write') storageDenied(mount.guestPath, true);
      return original[name].apply(this, args);
    };
  }
  for (const name of READING_AT) {
    proto[name] = function (...args: any[]) {
      const mount = access.get(this);
      const path = String(typeof args[0] === 'string' ? args[0] : args[1]);
      if (mount?.mode === 'deny-all') storageDenied(childPath(mount, path), false);
      if (mount) checkProtected(mount, path, false, typeof args[0] === 'object' && Boolean(args[0]?.symlinkFollow));
      return original[name].apply(this, args);
    };
  }
  for (const name of READING_SELF) {
    proto[name] = function (...args: any[]) {
      const mount = access.get(this);
      // Listing the synthetic root is harmless (it is empty); reading through it is not possible.
      if (mount?.mode === 'deny-all' && name !== 'readDirectory') storageDenied(mount.guestPath, false);
      return original[name].apply(this, args);
    };
  }
  // Both ends of a rename or hard link must be writable mounts.
  for (const name of ['renameAt', 'linkAt'] as const) {
    proto[name] = function (...args: any[]) {
      const [oldPath, newDescriptor, newPath] = name === 'renameAt' ? args : [args[1], args[2], args[3]];
      const from = access.get(this);
      const to = access.get(newDescriptor);
      if (from && from.mode !== 'read-write') storageDenied(childPath(from, oldPath), true);
      if (to && to.mode !== 'read-write') storageDenied(childPath(to, newPath), true);
      // A hard link follows its source when asked to; a rename never does.
      if (from) checkProtected(from, oldPath, true, name === 'linkAt' && Boolean(args[0]?.symlinkFollow));
      if (to) checkProtected(to, newPath, true);
      return original[name].apply(this, args);
    };
  }
}

function parseAuthority(authority: string | undefined, scheme: string): { host: string; port?: number } | undefined {
  if (!authority) return undefined;
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(authority);
  if (!match) return undefined;
  const port = match[2] !== undefined ? Number(match[2]) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

function schemeName(scheme: any): string {
  if (!scheme) return 'https';
  if (scheme.tag === 'HTTP') return 'http';
  if (scheme.tag === 'HTTPS') return 'https';
  return String(scheme.val ?? 'other').toLowerCase();
}

export interface HostOptions {
  componentId: string;
  grants: SandboxGrants;
  emptyRoot: string;
}

let WASIShim: typeof WASIShimClass | undefined;

/**
 * Loads preview2-shim. Importing it starts the shim's own I/O worker thread
 * (a second V8 isolate, ~8 MB), so a component that imports nothing (no WASI
 * at all) never loads it; everything else must call this before createImports.
 */
export async function loadWasiShim(): Promise<void> {
  WASIShim ??= (await import('@bytecodealliance/preview2-shim/instantiation')).WASIShim;
}

/** Builds the import object for one instantiation (after loadWasiShim). */
export function createImports(options: HostOptions): ImportObject {
  if (!WASIShim) throw new Error('internal error: loadWasiShim() must run before createImports()');
  componentId = options.componentId;
  const { grants } = options;
  protectedPaths = grants.protectedHostPaths.map((p) => realHostPath(posix.normalize(p).replace(/(.)\/$/, '$1'), true));
  const preopens: Record<string, string> = { '/': options.emptyRoot };
  for (const mount of grants.mounts) preopens[mount.guestPath] = mount.hostPath;

  const shim = new WASIShim({ sandbox: { preopens, env: grants.env, args: [options.componentId] } } as any);
  const imports: ImportObject = shim.getImportObject();

  // The shim answers initial-cwd with the host process's working directory.
  imports['wasi:cli/environment'] = { ...imports['wasi:cli/environment'], initialCwd: () => undefined };

  const types = imports['wasi:filesystem/types'];
  patchDescriptor(types.Descriptor);
  const rootGranted = grants.mounts.some((m) => m.guestPath === '/');
  for (const [descriptor, guestPath] of imports['wasi:filesystem/preopens'].getDirectories() as [object, string][]) {
    if (guestPath === '/' && !rootGranted) access.set(descriptor, { mode: 'deny-all', guestPath: '/', hostPath: options.emptyRoot });
    else {
      const mount = grants.mounts.find((m) => m.guestPath === guestPath);
      access.set(descriptor, { mode: mount?.access ?? 'deny-all', guestPath, hostPath: mount?.hostPath ?? options.emptyRoot });
    }
  }

  const streams = imports['wasi:io/streams'];
  const clock = imports['wasi:clocks/monotonic-clock'];
  const readyPollable = () => clock.subscribeDuration(0n);

  // stdin: always empty. The shim's default reads the host's fd 0, which
  // over stdio carries the MCP messages themselves.
  class EmptyInput extends streams.InputStream {
    read(): never {
      throw { tag: 'closed' };
    }
    blockingRead(): never {
      throw { tag: 'closed' };
    }
    skip(): never {
      throw { tag: 'closed' };
    }
    blockingSkip(): never {
      throw { tag: 'closed' };
    }
    subscribe() {
      return readyPollable();
    }
  }
  // stdout/stderr: captured per call (bounded), never written to the process's streams.
  const makeOutput = (pick: (c: CallCapture) => OutputCapture) =>
    class CapturedOutput extends streams.OutputStream {
      checkWrite() {
        return 65536n;
      }
      write(buf: Uint8Array) {
        if (currentCapture) pick(currentCapture).push(buf);
      }
      blockingWriteAndFlush(buf: Uint8Array) {
        this.write(buf);
      }
      flush() {}
      blockingFlush() {}
      writeZeroes(len: bigint) {
        this.write(new Uint8Array(Number(len)));
      }
      blockingWriteZeroesAndFlush(len: bigint) {
        this.writeZeroes(len);
      }
      subscribe() {
        return readyPollable();
      }
    };
  const stdin = new EmptyInput();
  const stdout = new (makeOutput((c) => c.stdout))();
  const stderr = new (makeOutput((c) => c.stderr))();
  imports['wasi:cli/stdin'] = { getStdin: () => stdin };
  imports['wasi:cli/stdout'] = { getStdout: () => stdout };
  imports['wasi:cli/stderr'] = { getStderr: () => stderr };
  // No terminals: guests must not think they talk to a TTY.
  imports['wasi:cli/terminal-stdin'] = { getTerminalStdin: () => undefined };
  imports['wasi:cli/terminal-stdout'] = { getTerminalStdout: () => undefined };
  imports['wasi:cli/terminal-stderr'] = { getTerminalStderr: () => undefined };

  imports['wasi:cli/exit'] = {
    exit(status: { tag: string }) {
      throw new GuestExit(status?.tag === 'err' ? 1 : 0);
    },
    exitWithCode(code: number) {
      throw new GuestExit(code);
    },
  };

  const http = imports['wasi:http/outgoing-handler'];
  const policy = grants.policy as Policy | undefined;
  imports['wasi:http/outgoing-handler'] = {
    ...http,
    handle(request: any, requestOptions: any) {
      const scheme = schemeName(request.scheme());
      const target = parseAuthority(request.authority(), scheme);
      if (!target) throw { tag: 'HTTP-request-URI-invalid' };
      const described = `${scheme}://${request.authority()}`;
      // A guest-chosen Host header could steer a shared front end to a
      // different virtual host than the one the policy allowed.
      for (const [key, value] of request.headers().entries() as [string, Uint8Array][]) {
        if (key.toLowerCase() === 'host' && Buffer.from(value).toString('latin1').toLowerCase() !== request.authority()?.toLowerCase()) {
          deny({ kind: 'network', target: described, message: `network request to ${described} with a different Host header denied`, grant: 'remove the Host header; it is set from the URL' });
          throw { tag: 'HTTP-request-denied' };
        }
      }
      const verdict = policy ? checkNetworkAccess(policy, { scheme, host: target.host, port: target.port }) : { allowed: false as const };
      if (!verdict.allowed) {
        const grant = networkGrantFor({ scheme, host: target.host, port: target.port });
        deny({
          kind: 'network',
          target: described,
          message: `network access to ${grant} denied`,
          grant: `tapedeck permission grant network ${quote(componentId)} ${quote(grant)}`,
        });
        throw { tag: 'HTTP-request-denied' };
      }
      return http.handle(request, requestOptions);
    },
  };

  // Raw sockets are never granted: every policy rule is about HTTP hosts.
  const refuseSocket = (what: string) => () => {
    deny({
      kind: 'socket',
      target: what,
      message: `raw ${what} sockets are not available to components`,
      grant: 'use HTTP (wasi:http) with a network grant instead',
    });
    throw 'access-denied';
  };
  imports['wasi:sockets/tcp-create-socket'] = { createTcpSocket: refuseSocket('TCP') };
  imports['wasi:sockets/udp-create-socket'] = { createUdpSocket: refuseSocket('UDP') };
  imports['wasi:sockets/ip-name-lookup'] = {
    ...imports['wasi:sockets/ip-name-lookup'],
    resolveAddresses: refuseSocket('DNS lookup'),
  };
  return imports;
}
