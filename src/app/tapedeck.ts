/**
 * The composition root of the runtime: component store + policy store +
 * tool registry + one sandbox runner per component. Front ends (MCP server,
 * CLI) talk to this class only (see types.ts).
 */
import { EventEmitter } from 'node:events';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { toolFromFunction } from '../component/schema.js';
import { formatIssues, fromGuestResult, prepareArguments } from '../component/values.js';
import type { ComponentInfo } from '../component/wit-types.js';
import { grant, revoke } from '../policy/grants.js';
import { PolicyStore } from '../policy/store.js';
import { storageMounts } from '../policy/storage.js';
import { allowedEnvironment } from '../policy/environment.js';
import { memoryLimitBytes, formatMemory } from '../policy/memory.js';
import type { Policy } from '../policy/types.js';
import { ToolRegistry, type RegisteredTool } from '../registry/tool-registry.js';
import { compileCoreModules, ensureTranspiled, forgetCompiled } from '../sandbox/artifacts.js';
import { ComponentRunner, IdleWorkers, type RunResult } from '../sandbox/component-runner.js';
import type { SandboxGrants } from '../sandbox/protocol.js';
import { ComponentStore, METADATA_FORMAT, sha256Hex, type ComponentMetadata } from '../store/component-store.js';
import { assertValidId } from '../store/component-id.js';
import { writeFileAtomic } from '../store/atomic-write.js';
import { SecretStore } from '../store/secret-store.js';
import { resolveSource } from '../loader/resolve.js';
import type {
  ComponentSummary,
  Denial,
  LoadResult,
  PermissionDetails,
  PolicyInfo,
  TapedeckApi,
  TapedeckEvents,
  ToolCallOutcome,
  ToolDefinition,
} from './types.js';
import type { FetchOptions } from '../distribution/index.js';

export interface TapedeckOptions {
  componentDir: string;
  secretsDir: string;
  /** Values the server may hand to components (only keys their policy grants). */
  environment?: Record<string, string>;
  logger: Logger;
  /** Default per-call timeout (ms) when the policy sets none. */
  timeoutMs?: number;
  /** Memory cap (bytes) for components whose policy sets no limit. */
  defaultMemoryBytes?: number;
  /** Calls running at once per component (one worker each). */
  workersPerComponent?: number;
  /** Calls waiting per component before new ones are refused as busy. */
  maxQueuedCalls?: number;
  /** Stop a component's workers after this long without calls (ms). */
  idleMs?: number;
  /**
   * Idle workers kept alive across all components; beyond it the least
   * recently used idle worker is stopped (its next call starts a new one).
   * Bounds memory when many components are loaded: each worker is a V8 isolate.
   */
  maxIdleWorkers?: number;
  /** Watch the component directory for changes made by other processes (the CLI). */
  watch?: boolean;
  /** Options for oci:// and https:// loads. */
  fetch?: FetchOptions;
  /** Per-stream cap on captured guest stdout/stderr per call. */
  maxOutputBytes?: number;
  /** Cap on a tool result (roughly its JSON size); larger results are dropped in the worker. */
  maxResultBytes?: number;
}

export class ToolNotFoundError extends Error {
  constructor(readonly toolName: string) {
    super(`Tool '${toolName}' not found. List the available tools with tools/list (or: tapedeck tool list)`);
  }
}

export class ComponentNotFoundError extends Error {
  constructor(readonly componentId: string) {
    super(`Component '${componentId}' not found`);
  }
}

interface Loaded {
  meta: ComponentMetadata;
  tools: RegisteredTool[];
}

interface RunnerEntry {
  runner: ComponentRunner;
  memoryBytes: number;
  timeoutMs: number;
  digest: string;
}

/** Metadata files read at once by refresh() (bounded: a large directory must not exhaust file descriptors). */
const METADATA_BATCH = 32;

const DEFAULTS = {
  timeoutMs: 30_000,
  defaultMemoryBytes: 512 * 1024 * 1024,
  workersPerComponent: 1,
  maxQueuedCalls: 64,
  idleMs: 5 * 60_000,
  maxIdleWorkers: 8,
  maxOutputBytes: 64 * 1024,
  maxResultBytes: 16 * 1024 * 1024,
};

export class Tapedeck extends EventEmitter<TapedeckEvents> implements TapedeckApi {
  readonly componentDir: string;
  readonly store: ComponentStore;
  readonly policies: PolicyStore;
  readonly secrets: SecretStore;
  private readonly registry = new ToolRegistry();
  private readonly loaded = new Map<string, Loaded>();
  private readonly runners = new Map<string, RunnerEntry>();
  private readonly policyCache = new Map<string, Promise<Policy | undefined>>();
  /** Secrets per component, so a call does not read the secrets file. */
  private readonly secretCache = new Map<string, Promise<Record<string, string>>>();
  private readonly grantRevisions = new Map<string, { key: string; revision: number }>();
  private readonly grantsCache = new Map<string, { policy: Promise<Policy | undefined>; secrets: Promise<Record<string, string>>; value: CallGrants }>();
  private readonly settings: typeof DEFAULTS;
  /** Shared by every component's runner: bounds idle workers process-wide. */
  private readonly idleWorkers: IdleWorkers;
  private readonly logger: Logger;
  private watchers: FSWatcher[] = [];
  private refreshTimer?: NodeJS.Timeout;
  /** Serialises changes to the component set (loads, unloads, refreshes). */
  private changes: Promise<unknown> = Promise.resolve();
  private emptyRoot: string;
  private readonly protectedHostPaths: string[];

  private constructor(private readonly options: TapedeckOptions) {
    super();
    this.componentDir = options.componentDir;
    this.store = new ComponentStore(options.componentDir);
    this.policies = new PolicyStore(options.componentDir);
    this.secrets = new SecretStore(options.secretsDir, (id) => this.secretCache.delete(id));
    this.logger = options.logger;
    this.settings = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      defaultMemoryBytes: options.defaultMemoryBytes ?? DEFAULTS.defaultMemoryBytes,
      workersPerComponent: options.workersPerComponent ?? DEFAULTS.workersPerComponent,
      maxQueuedCalls: options.maxQueuedCalls ?? DEFAULTS.maxQueuedCalls,
      idleMs: options.idleMs ?? DEFAULTS.idleMs,
      maxIdleWorkers: options.maxIdleWorkers ?? DEFAULTS.maxIdleWorkers,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
      maxResultBytes: options.maxResultBytes ?? DEFAULTS.maxResultBytes,
    };
    this.idleWorkers = new IdleWorkers(this.settings.maxIdleWorkers);
    this.emptyRoot = join(this.store.cacheDir, 'empty-root');
    this.protectedHostPaths = [resolve(options.componentDir), resolve(options.secretsDir)];
  }

  /** Opens the component directory and registers every stored component's tools (from cached metadata). */
  static async open(options: TapedeckOptions): Promise<Tapedeck> {
    const deck = new Tapedeck(options);
    await deck.store.ensureDir();
    await mkdir(deck.emptyRoot, { recursive: true });
    await mkdir(options.secretsDir, { recursive: true, mode: 0o700 });
    await deck.recover();
    await deck.refresh();
    if (options.watch) deck.startWatching();
    return deck;
  }

  // ---------------------------------------------------------------- components

  listComponents(): ComponentSummary[] {
    return [...this.loaded.values()].map((l) => this.summary(l)).sort((a, b) => a.id.localeCompare(b.id));
  }

  getComponent(id: string): ComponentSummary | undefined {
    const loaded = this.loaded.get(id);
    return loaded && this.summary(loaded);
  }

  listTools(): ToolDefinition[] {
    return this.registry.all().map((t) => t.definition);
  }

  private summary(loaded: Loaded): ComponentSummary {
    return {
      id: loaded.meta.id,
      sourceUri: loaded.meta.sourceUri,
      digest: `sha256:${loaded.meta.digest}`,
      tools: loaded.tools.map((t) => t.definition),
      unsupported: loaded.meta.info.unsupported,
    };
  }

  async loadComponent(uri: string, options: { acceptPolicy?: boolean; digest?: string; id?: string } = {}): Promise<LoadResult> {
    const source = await resolveSource(uri, { ...this.options.fetch, expectedDigest: options.digest });
    const id = options.id ?? source.id;
    assertValidId(id);
    const digest = sha256Hex(source.bytes);
    const pinMatches = (pin: string) =>
      normaliseDigest(pin) === digest || (source.manifestDigest !== undefined && normaliseDigest(pin) === normaliseDigest(source.manifestDigest));
    if (options.digest && !pinMatches(options.digest)) {
      throw new Error(
        `digest mismatch for ${source.sourceUri}: expected ${options.digest}, got sha256:${digest}. The component changed since the digest was recorded; refusing to load it`,
      );
    }
    // The stored metadata of identical bytes already holds what decoding would find.
    const known = await this.store.readMetadata(id);
    const info = known?.digest === digest ? known.info : await decode(source.bytes);
    const tools = this.toolsFor(id, info);
    if (tools.length === 0) {
      throw new Error(
        `component '${id}' exports no functions that can become tools` +
          (info.unsupported.length ? ` (unsupported: ${info.unsupported.map((u) => `${u.name}: ${u.reason}`).join('; ')})` : ''),
      );
    }
    let policy: Policy | undefined;
    if (source.policyYaml && options.acceptPolicy) {
      const { parsePolicy } = await import('../policy/parse.js');
      policy = parsePolicy(source.policyYaml, `policy shipped with ${source.sourceUri}`);
    }

    return this.change(async () => {
      this.registry.checkConflicts(id, tools);
      // Prepare the executable form before anything is replaced, so a component
      // that cannot run never displaces one that can.
      await ensureTranspiled(this.store.cacheDir, digest, async () => source.bytes);
      const reloaded = this.loaded.has(id) || (await this.store.ids()).includes(id);
      // Identical bytes already stored are kept, not rewritten (see storeComponent).
      const { file, kept } = await this.store.storeComponent(id, source.bytes, digest);
      const meta: ComponentMetadata =
        kept?.sourceUri === source.sourceUri
          ? kept
          : { format: METADATA_FORMAT, id, digest, ...file, sourceUri: source.sourceUri, loadedAt: new Date().toISOString(), info };
      if (meta !== kept) await this.store.writeMetadata(meta);
      if (policy) await this.policies.write(id, policy, { sourceUri: source.sourceUri });
      this.install(meta, tools);
      this.logger.info({ component: id, tools: tools.length, digest: `sha256:${digest}`, reloaded }, reloaded ? 'component reloaded' : 'component loaded');
      this.emit('tools-changed');
      const warnings = info.unsupported.map((u) => `skipped ${u.name}: ${u.reason}`);
      if (source.policyYaml && !options.acceptPolicy) {
        warnings.push(
          `the artifact ships a policy that was NOT applied (a registry must not grant itself permissions); review it and load again with --accept-policy to apply it:\n${source.policyYaml}`,
        );
      }
      return { id, status: reloaded ? 'reloaded' : 'loaded', tools: tools.map((t) => t.definition.name), warnings } satisfies LoadResult;
    });
  }

  async unloadComponent(id: string): Promise<void> {
    assertValidId(id);
    await this.change(async () => {
      if (!this.loaded.has(id) && !(await this.store.ids()).includes(id)) throw new ComponentNotFoundError(id);
      this.uninstall(id);
      // The marker makes the removal all-or-nothing: a restart finishes an
      // unload it finds interrupted, so a crash can never leave the policy of
      // an unloaded component behind for the next component with that id.
      await writeFileAtomic(this.unloadMarker(id), '');
      await this.store.remove(id);
      await this.policies.remove(id);
      await rm(this.unloadMarker(id), { force: true });
      this.logger.info({ component: id }, 'component unloaded');
      this.emit('tools-changed');
    });
  }

  private unloadMarker(id: string): string {
    return join(this.componentDir, `.unloading-${id}`);
  }

  /**
   * At start: finishes unloads a crash interrupted, and removes temp files
   * that writers which no longer run left behind (`.<name>.<pid>.<hex>.tmp`).
   */
  private async recover(): Promise<void> {
    for (const dir of [this.componentDir, this.secrets.dir]) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const unloading = /^\.unloading-(.+)$/.exec(name);
        if (unloading && dir === this.componentDir) {
          const id = unloading[1];
          assertValidId(id);
          await this.store.remove(id);
          await this.policies.remove(id);
          await rm(join(dir, name), { force: true });
          this.logger.warn({ component: id }, 'finished an unload that was interrupted');
          continue;
        }
        const temp = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
        if (temp && !processRuns(Number(temp[1]))) await rm(join(dir, name), { force: true });
      }
    }
  }

  private toolsFor(id: string, info: ComponentInfo): RegisteredTool[] {
    return info.functions.map((fn) => ({ componentId: id, fn, definition: toolFromFunction(fn) }));
  }

  private install(meta: ComponentMetadata, tools: RegisteredTool[]): void {
    const previous = this.loaded.get(meta.id);
    this.registry.set(meta.id, tools);
    this.loaded.set(meta.id, { meta, tools });
    this.policyCache.delete(meta.id);
    if (previous && previous.meta.digest !== meta.digest) void this.stopRunner(meta.id);
  }

  private uninstall(id: string): void {
    this.registry.remove(id);
    this.loaded.delete(id);
    this.policyCache.delete(id);
    this.grantsCache.delete(id);
    void this.stopRunner(id);
  }

  private async stopRunner(id: string): Promise<void> {
    const entry = this.runners.get(id);
    if (!entry) return;
    this.runners.delete(id);
    await entry.runner.close();
  }

  /** Runs changes to the component set one at a time. */
  private change<T>(work: () => Promise<T>): Promise<T> {
    const next = this.changes.then(work, work);
    this.changes = next.catch(() => undefined);
    return next;
  }

  /**
   * Brings the in-memory view in line with the directory: new or changed
   * binaries are registered (from metadata when current, else decoded),
   * removed ones unregistered. Used at start and when another process (the
   * CLI) changes the directory.
   */
  refresh(): Promise<void> {
    return this.change(async () => {
      const ids = await this.store.ids();
      // Metadata is read a batch at a time, not one file-system round trip per component.
      const stored: (ComponentMetadata | undefined)[] = [];
      for (let i = 0; i < ids.length; i += METADATA_BATCH) {
        stored.push(...(await Promise.all(ids.slice(i, i + METADATA_BATCH).map((id) => this.store.readMetadata(id)))));
      }
      let changed = false;
      for (const [i, id] of ids.entries()) {
        try {
          const meta = stored[i] ?? (await this.decodeStored(id));
          const current = this.loaded.get(id);
          if (current && current.meta.digest === meta.digest && current.meta.mtimeMs === meta.mtimeMs) continue;
          this.install(meta, this.toolsFor(id, meta.info));
          changed = true;
        } catch (error) {
          this.logger.error({ component: id, err: (error as Error).message }, 'cannot register stored component; it is skipped');
        }
      }
      for (const id of [...this.loaded.keys()]) {
        if (!ids.includes(id)) {
          this.uninstall(id);
          changed = true;
        }
      }
      this.policyCache.clear();
      this.secretCache.clear();
      if (changed) this.emit('tools-changed');
    });
  }

  private async decodeStored(id: string): Promise<ComponentMetadata> {
    const bytes = await this.store.readBytes(id);
    const file = await this.store.statWasm(id);
    const previous = await this.policies.read(id).catch(() => undefined);
    const meta: ComponentMetadata = {
      format: METADATA_FORMAT,
      id,
      digest: sha256Hex(bytes),
      ...file,
      sourceUri: previous?.meta?.sourceUri ?? `file://${this.store.wasmPath(id)}`,
      loadedAt: new Date().toISOString(),
      info: await decode(bytes),
    };
    await this.store.writeMetadata(meta);
    return meta;
  }

  /**
   * Watches the component and secrets directories so that changes made by
   * another process (the CLI) reach this one: binaries trigger a refresh,
   * policy and secret files drop their cache entry.
   */
  private startWatching(): void {
    const watchDir = (dir: string, onChange: (name: string) => void) => {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (name && !name.startsWith('.')) onChange(name);
        });
        watcher.on('error', (error) => this.logger.warn({ dir, err: error.message }, 'directory watch failed'));
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn({ dir, err: (error as Error).message }, 'cannot watch directory; changes by other processes need a restart');
      }
    };
    watchDir(this.componentDir, (name) => {
      if (name.endsWith('.policy.yaml')) this.policyCache.delete(name.slice(0, -'.policy.yaml'.length));
      if (name.endsWith('.wasm') || name.endsWith('.meta.json')) {
        clearTimeout(this.refreshTimer);
        this.refreshTimer = setTimeout(() => void this.refresh(), 50);
        this.refreshTimer.unref();
      }
    });
    watchDir(this.secrets.dir, (name) => {
      if (name.endsWith('.yaml')) this.secretCache.delete(name.slice(0, -'.yaml'.length));
    });
  }

  private readSecrets(id: string): Promise<Record<string, string>> {
    const cached = this.secretCache.get(id);
    if (cached) return cached;
    const reading = this.secrets.read(id);
    reading.catch(() => this.secretCache.delete(id));
    this.secretCache.set(id, reading);
    return reading;
  }

  // ---------------------------------------------------------------- policy

  private readPolicy(id: string): Promise<Policy | undefined> {
    const cached = this.policyCache.get(id);
    if (cached) return cached;
    const reading = this.policies.read(id).then((stored) => stored?.policy);
    reading.catch(() => this.policyCache.delete(id));
    this.policyCache.set(id, reading);
    return reading;
  }

  async getPolicy(id: string): Promise<PolicyInfo> {
    this.requireComponent(id);
    const stored = await this.policies.read(id);
    if (!stored) return { componentId: id };
    return {
      componentId: id,
      path: stored.path,
      yaml: stored.yaml,
      document: stored.policy,
      createdAt: stored.meta?.createdAt,
      sourceUri: stored.meta?.sourceUri,
    };
  }

  async grantPermission(id: string, details: PermissionDetails): Promise<void> {
    await this.updatePolicy(id, (p) => grant(p, details, { componentId: id }));
  }

  async revokePermission(id: string, details: PermissionDetails): Promise<void> {
    await this.updatePolicy(id, (p) => revoke(p, details, { componentId: id }));
  }

  async resetPermissions(id: string): Promise<void> {
    this.requireComponent(id);
    await this.policies.remove(id);
    this.policyCache.delete(id);
  }

  private async updatePolicy(id: string, update: (p: Policy | undefined) => Policy): Promise<void> {
    this.requireComponent(id);
    const current = await this.policies.read(id);
    const next = update(current?.policy);
    await this.policies.write(id, next, { sourceUri: current?.meta?.sourceUri ?? this.loaded.get(id)?.meta.sourceUri });
    this.policyCache.delete(id);
  }

  private requireComponent(id: string): Loaded {
    const loaded = this.loaded.get(id);
    if (!loaded) throw new ComponentNotFoundError(id);
    return loaded;
  }

  // ---------------------------------------------------------------- calls

  /**
   * What a call of component `id` runs with. Derived from its policy and
   * secrets and cached until either is re-read (their caches hand out a new
   * promise after every change), so the per-call cost is two map lookups.
   */
  private async grantsFor(id: string): Promise<CallGrants> {
    const policyReading = this.readPolicy(id);
    const secretsReading = this.readSecrets(id);
    const cached = this.cachedGrants(id);
    if (cached) return cached;
    const policy = await policyReading;
    const secrets = await secretsReading;
    const available = { ...(this.options.environment ?? {}), ...secrets };
    const mounts = policy ? storageMounts(policy, this.componentDir).map((m) => ({ guestPath: m.guestPath, hostPath: m.hostPath, access: m.access })) : [];
    const env = policy ? allowedEnvironment(policy, available) : {};
    const key = JSON.stringify([mounts, env, policy ?? null]);
    let revision = this.grantRevisions.get(id);
    if (!revision || revision.key !== key) {
      revision = { key, revision: (revision?.revision ?? 0) + 1 };
      this.grantRevisions.set(id, revision);
    }
    const value: CallGrants = {
      grants: { revision: revision.revision, mounts, env, policy: policy ?? null, protectedHostPaths: this.protectedHostPaths },
      memoryBytes: memoryLimitBytes(policy, this.settings.defaultMemoryBytes),
      timeoutMs: timeoutFromPolicy(policy) ?? this.settings.timeoutMs,
    };
    // Only if neither was invalidated while this one was computed.
    if (this.policyCache.get(id) === policyReading && this.secretCache.get(id) === secretsReading) {
      this.grantsCache.set(id, { policy: policyReading, secrets: secretsReading, value });
    }
    return value;
  }

  /** The cached grants, when neither the policy nor the secrets changed since they were derived. */
  private cachedGrants(id: string): CallGrants | undefined {
    const cached = this.grantsCache.get(id);
    if (cached && cached.policy === this.policyCache.get(id) && cached.secrets === this.secretCache.get(id)) return cached.value;
    return undefined;
  }

  private runnerFor(id: string, digest: string, memoryBytes: number, timeoutMs: number): ComponentRunner {
    const existing = this.runners.get(id);
    if (existing && existing.memoryBytes === memoryBytes && existing.timeoutMs === timeoutMs && existing.digest === digest) {
      return existing.runner;
    }
    if (existing) void existing.runner.close();
    const runner = new ComponentRunner({
      componentId: id,
      emptyRoot: this.emptyRoot,
      timeoutMs,
      workers: this.settings.workersPerComponent,
      maxQueued: this.settings.maxQueuedCalls,
      idleMs: this.settings.idleMs,
      idleWorkers: this.idleWorkers,
      maxOutputBytes: this.settings.maxOutputBytes,
      maxResultBytes: this.settings.maxResultBytes,
      prepare: async () => {
        const artifact = await ensureTranspiled(this.store.cacheDir, digest, () => this.store.readBytes(id));
        // A component without imports cannot reach the host: its worker needs no WASI host.
        const needsWasi = (this.loaded.get(id)?.meta.info.imports?.length ?? 1) > 0;
        return { moduleUrl: artifact.moduleUrl, needsWasi, compile: () => compileCoreModules(artifact, memoryBytes) };
      },
      onWorkerEvent: (event, reason) => {
        this.emit('worker', { componentId: id, event, reason });
        if (event === 'replace') this.logger.warn({ component: id, reason }, 'component worker replaced');
        else this.logger.debug({ component: id, event }, 'component worker');
      },
    });
    this.runners.set(id, { runner, memoryBytes, timeoutMs, digest });
    return runner;
  }

  async callTool(name: string, args: unknown, _options: { signal?: AbortSignal } = {}): Promise<ToolCallOutcome> {
    const tool = this.registry.get(name);
    if (!tool) throw new ToolNotFoundError(name);
    const started = performance.now();
    const componentId = tool.componentId;
    const finish = (partial: Omit<ToolCallOutcome, 'componentId' | 'durationMs'>): ToolCallOutcome => {
      // Completed in place: spreading the several shapes `partial` takes was a measurable part of a warm call.
      const outcome = partial as ToolCallOutcome;
      outcome.componentId = componentId;
      outcome.durationMs = performance.now() - started;
      if (this.listenerCount('call') > 0) this.emit('call', { tool: name, outcome });
      return outcome;
    };
    const { values: guestArgs, issues } = prepareArguments(tool.fn, args ?? {});
    if (issues.length > 0) {
      return finish({ text: `Error: ${formatIssues(issues)}`, isError: true, failure: 'invalid-arguments', denials: [] });
    }
    const loaded = this.loaded.get(componentId)!;
    const { grants, memoryBytes, timeoutMs } = this.cachedGrants(componentId) ?? (await this.grantsFor(componentId));
    const runner = this.runnerFor(componentId, loaded.meta.digest, memoryBytes, timeoutMs);
    const result = await runner.run({ interface: tool.fn.interface, name: tool.fn.name, args: guestArgs }, grants);
    return finish(this.interpret(componentId, tool, result, memoryBytes));
  }

  private interpret(
    componentId: string,
    tool: RegisteredTool,
    result: RunResult,
    memoryBytes: number,
  ): Omit<ToolCallOutcome, 'componentId' | 'durationMs'> {
    const prefix = `component '${componentId}'`;
    switch (result.type) {
      case 'busy':
        return {
          text: `Error: ${prefix} is busy (${result.queued} calls waiting); retry shortly`,
          isError: true,
          failure: 'busy',
          denials: [],
        };
      case 'timeout':
        return {
          text: `Error: ${prefix} did not finish tool '${tool.definition.name}' within ${result.timeoutMs} ms; the call was stopped and the component's worker replaced. If the tool needs longer, raise resources.limits.timeout in its policy`,
          isError: true,
          failure: 'timeout',
          denials: [],
        };
      case 'crash':
        return { text: `Error: ${prefix} crashed: ${result.message}`, isError: true, failure: 'trap', denials: [] };
    }
    this.logGuestOutput(componentId, result.stdout, result.stderr);
    const denials = result.denials;
    const outcome = result.outcome;
    switch (outcome.kind) {
      case 'ok':
      case 'err': {
        try {
          const structured = fromGuestResult(tool.fn, outcome.value, outcome.kind) as { result: unknown };
          const value = structured.result;
          return {
            structured,
            text: typeof value === 'string' ? value : JSON.stringify(value),
            isError: outcome.kind === 'err',
            failure: outcome.kind === 'err' ? 'guest-error' : undefined,
            denials,
          };
        } catch (error) {
          return { text: `Error: ${prefix} returned a value that does not match its WIT type: ${(error as Error).message}`, isError: true, failure: 'trap', denials };
        }
      }
      case 'too-large':
        return {
          text: `Error: ${prefix} returned a result larger than ${formatMemory(outcome.limit)} from tool '${tool.definition.name}'; the result was dropped. Ask for less data (e.g. a smaller range)`,
          isError: true,
          failure: 'too-large',
          denials,
        };
      case 'exit':
        return {
          text: `Error: ${prefix} exited with code ${outcome.code} during tool '${tool.definition.name}'; the call was ended and the component restarted`,
          isError: true,
          failure: 'exit',
          denials,
        };
      case 'trap': {
        if (outcome.outOfMemory) {
          const next = formatMemory(memoryBytes * 2);
          const denial: Denial = {
            kind: 'memory',
            target: formatMemory(memoryBytes),
            message: `${prefix} ran out of memory (limit ${formatMemory(memoryBytes)}) — grant it with: tapedeck permission grant memory ${componentId} ${next}`,
            grant: `tapedeck permission grant memory ${componentId} ${next}`,
          };
          return { text: `Error: ${denial.message}`, isError: true, failure: 'out-of-memory', denials: [...denials, denial] };
        }
        return {
          text: `Error: ${prefix} trapped in tool '${tool.definition.name}': ${outcome.message}; the component was restarted`,
          isError: true,
          failure: 'trap',
          denials,
        };
      }
    }
  }

  private logGuestOutput(componentId: string, stdout: string, stderr: string): void {
    if (stdout) this.logger.info({ component: componentId, stream: 'stdout' }, stdout.trimEnd());
    if (stderr) this.logger.info({ component: componentId, stream: 'stderr' }, stderr.trimEnd());
  }

  /** Live worker threads across components (for metrics and tests). */
  get liveWorkers(): number {
    let n = 0;
    for (const entry of this.runners.values()) n += entry.runner.liveWorkers;
    return n;
  }

  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.close();
    clearTimeout(this.refreshTimer);
    await this.changes.catch(() => undefined);
    await Promise.all([...this.runners.keys()].map((id) => this.stopRunner(id)));
    for (const entry of this.loaded.values()) forgetCompiled(entry.meta.digest);
  }

  /** Removes every cached artefact (transpiled code); they are rebuilt on demand. */
  async clearCache(): Promise<void> {
    await rm(this.store.cacheDir, { recursive: true, force: true });
    await mkdir(this.emptyRoot, { recursive: true });
  }
}

interface CallGrants {
  grants: SandboxGrants;
  memoryBytes: number;
  timeoutMs: number;
}

/** The decoder is loaded when a binary is decoded (a load, or stale metadata), not at start. */
async function decode(bytes: Uint8Array): Promise<ComponentInfo> {
  const { decodeComponent } = await import('../component/decode/index.js');
  return decodeComponent(bytes);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function normaliseDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').toLowerCase();
}

/** `resources.limits.timeout` ("30s", "500ms", "2m" or seconds as a number) — a tapedeck extension. */
function timeoutFromPolicy(policy: Policy | undefined): number | undefined {
  const raw = (policy as { permissions?: { resources?: { limits?: { timeout?: unknown } } } } | undefined)?.permissions?.resources?.limits?.timeout;
  if (raw === undefined) return undefined;
  if (typeof raw === 'number') return raw * 1000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(raw).trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  return match[2] === 'ms' ? n : match[2] === 's' ? n * 1000 : n * 60_000;
}
