/**
 * A small client for the OCI distribution API: manifests, blobs, uploads and
 * referrers, with anonymous, Basic and Bearer-token authentication.
 */
import { debuglog } from 'node:util';
import {
  basicAuthorization,
  findCredentials,
  parseChallenges,
  type Challenge,
  type CredentialLookup,
  type CredentialOptions,
} from './auth.js';
import { DistributionError } from './errors.js';
import {
  INDEX_TYPES,
  MANIFEST_ACCEPT,
  MANIFEST_TYPES,
  MAX_MANIFEST_BYTES,
  OCI_INDEX,
  baseMediaType,
} from './media-types.js';
import { apiHost, isValidDigest } from './reference.js';
import {
  Transport,
  algorithmOf,
  assertTransportAllowed,
  discard,
  digestOf,
  isCertificateError,
  isPlainHttpAllowed,
  readBody,
  type RequestInit,
  type Response,
} from './transport.js';

const debug = debuglog('tapedeck');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: { os?: string; architecture?: string; variant?: string; 'os.version'?: string };
  urls?: string[];
}

export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  /** Digest of the exact bytes received (verified against a digest reference). */
  digest: string;
  mediaType: string;
  kind: 'manifest' | 'index';
  manifest?: ImageManifest;
  index?: ImageIndex;
}

export interface ClientOptions extends CredentialOptions {
  insecureRegistries?: string[];
}

type Access = 'pull' | 'push';

interface RegistryErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

async function registryErrors(response: Response): Promise<{ codes: string[]; text: string }> {
  let text = '';
  try {
    const { bytes } = await readBody(response, { maxBytes: 64 * 1024, what: 'error body', url: response.url });
    text = Buffer.from(bytes).toString('utf8');
  } catch {
    return { codes: [], text: '' };
  }
  try {
    const body = JSON.parse(text) as RegistryErrorBody;
    const errors = body.errors ?? [];
    return {
      codes: errors.map((e) => e.code ?? ''),
      text: errors.map((e) => `${e.code ?? 'ERROR'}: ${e.message ?? ''}`).join('; ') || text.slice(0, 300),
    };
  } catch {
    return { codes: [], text: text.slice(0, 300) };
  }
}

function describeStatus(response: Response): string {
  return `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
}

export class OciClient {
  readonly registry: string;
  readonly repository: string;
  private readonly host: string;
  private base?: string;
  private challenge?: Challenge;
  private readonly tokens = new Map<string, string>();
  private lookup?: CredentialLookup;
  private basicSent = false;

  constructor(
    ref: { registry: string; repository: string },
    private readonly transport: Transport,
    private readonly options: ClientOptions = {},
  ) {
    this.registry = ref.registry;
    this.repository = ref.repository;
    this.host = apiHost(ref.registry);
  }

  private credentials(): CredentialLookup {
    this.lookup ??= findCredentials(this.registry, this.options);
    return this.lookup;
  }

  private allowHttp = (url: URL): boolean => isPlainHttpAllowed(url.host, this.options.insecureRegistries);

  /** Finds the API base (https, or http for loopback/insecure registries) and the auth challenge. */
  private async ensureBase(): Promise<string> {
    if (this.base) return this.base;
    const httpsBase = `https://${this.host}`;
    let response: Response;
    try {
      response = await this.transport.fetch(`${httpsBase}/v2/`);
      this.base = httpsBase;
    } catch (error) {
      const httpOk = isPlainHttpAllowed(this.host, this.options.insecureRegistries);
      const canFallBack =
        httpOk &&
        error instanceof DistributionError &&
        error.code === 'network-error' &&
        !isCertificateError(error.cause);
      if (!canFallBack) {
        if (error instanceof DistributionError && error.code === 'network-error' && !httpOk) {
          throw new DistributionError(
            'network-error',
            `${error.message}. If registry ${this.registry} only serves plain HTTP, add it to insecureRegistries (http is used without that only for loopback registries)`,
            { cause: error },
          );
        }
        throw error;
      }
      debug('https to %s failed (%s); using plain http', this.host, (error as Error).message);
      const httpBase = `http://${this.host}`;
      assertTransportAllowed(new URL(httpBase), this.options.insecureRegistries);
      response = await this.transport.fetch(`${httpBase}/v2/`);
      this.base = httpBase;
    }
    if (response.status === 401) {
      this.challenge = parseChallenges(response.headers.get('www-authenticate'))[0];
    }
    await discard(response);
    return this.base;
  }

  private scope(access: Access): string {
    return `repository:${this.repository}:${access === 'push' ? 'pull,push' : 'pull'}`;
  }

  private async fetchToken(challenge: Challenge, scope: string): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) {
      throw new DistributionError('auth-failed', `registry ${this.registry} sent a Bearer challenge without a realm`);
    }
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new DistributionError('auth-failed', `registry ${this.registry} sent an invalid token realm '${realm}'`);
    }
    assertTransportAllowed(url, this.options.insecureRegistries, 'token service');
    const { credentials } = this.credentials();
    const service = challenge.params.service;
    let init: RequestInit;
    if (credentials?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'tapedeck', scope });
      if (service) form.set('service', service);
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      };
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scope.split(' ')) url.searchParams.append('scope', s);
      init = { method: 'GET', headers: credentials ? { authorization: basicAuthorization(credentials) } : {} };
    }
    const { response } = await this.transport.fetchFollowing(url.href, init, { allowHttp: this.allowHttp });
    if (response.status === 401 || response.status === 403) {
      const { text } = await registryErrors(response);
      throw this.authError(response, `token service ${url.origin}${url.pathname}${text ? ` said: ${text}` : ''}`);
    }
    if (!response.ok) {
      const { text } = await registryErrors(response);
      throw new DistributionError(
        'auth-failed',
        `token service ${url.origin}${url.pathname} for registry ${this.registry} answered ${describeStatus(response)}${text ? `: ${text}` : ''}`,
      );
    }
    const { bytes } = await readBody(response, { maxBytes: 1024 * 1024, what: 'token response', url: url.href });
    let body: { token?: string; access_token?: string };
    try {
      body = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new DistributionError('auth-failed', `token service ${url.origin} returned something that is not JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new DistributionError('auth-failed', `token service ${url.origin} returned no token`);
    return token;
  }

  private authError(response: Response, context: string): DistributionError {
    const lookup = this.credentials();
    const denied = response.status === 403;
    let where: string;
    if (lookup.credentials) {
      where = `the credentials from ${lookup.credentials.source} were ${denied ? 'not allowed this access' : 'rejected'}`;
    } else {
      where = `no credentials found for ${this.registry} (looked in ${lookup.searched.join(', ')})`;
    }
    const notes = lookup.notes.length ? `; note: ${lookup.notes.join('; ')}` : '';
    return new DistributionError(
      'auth-failed',
      `authentication to registry ${this.registry} failed (${describeStatus(response)}) for repository ${this.repository}: ${where}${notes}; ${context}`,
    );
  }

  private async authorization(access: Access, challenge = this.challenge): Promise<string | undefined> {
    if (!challenge) return undefined;
    if (challenge.scheme === 'bearer') {
      const scope = this.scope(access);
      let token = this.tokens.get(scope);
      if (!token) {
        token = await this.fetchToken(challenge, scope);
        this.tokens.set(scope, token);
      }
      return `Bearer ${token}`;
    }
    if (challenge.scheme === 'basic') {
      const { credentials } = this.credentials();
      if (credentials?.username !== undefined && credentials.password !== undefined) {
        this.basicSent = true;
        return basicAuthorization(credentials);
      }
      return undefined;
    }
    return undefined;
  }

  /**
   * Sends a request to the registry API, authenticating as challenged.
   * `path` is relative to the API base (`/v2/...`) or an absolute URL (upload locations).
   */
  async request(path: string, init: RequestInit & { access?: Access; what: string }): Promise<Response> {
    const base = await this.ensureBase();
    const url = /^https?:\/\//.test(path) ? path : `${base}${path}`;
    const target = new URL(url);
    assertTransportAllowed(target, this.options.insecureRegistries);
    const access = init.access ?? 'pull';
    const send = async (authorization?: string) => {
      const headers = { ...(init.headers ?? {}) };
      if (authorization) headers.authorization = authorization;
      const method = init.method ?? 'GET';
      if (method === 'GET' || method === 'HEAD') {
        return (await this.transport.fetchFollowing(url, { ...init, headers }, { allowHttp: this.allowHttp })).response;
      }
      return this.transport.fetch(url, { ...init, headers });
    };
    let response = await send(await this.authorization(access));
    if (response.status === 401) {
      const challenge = parseChallenges(response.headers.get('www-authenticate'))[0];
      const hadBasic = this.basicSent;
      if (challenge) this.challenge = challenge;
      let retry: string | undefined;
      if (challenge?.scheme === 'bearer') {
        const scope = challenge.params.scope || this.scope(access);
        const cacheKey = this.scope(access);
        const token = await this.fetchToken(challenge, scope);
        this.tokens.set(cacheKey, token);
        retry = `Bearer ${token}`;
      } else if (challenge?.scheme === 'basic' && !hadBasic) {
        retry = await this.authorization(access, challenge);
      }
      if (retry) {
        await discard(response);
        response = await send(retry);
      }
      if (response.status === 401) {
        await discard(response);
        throw this.authError(response, init.what);
      }
    }
    if (response.status === 403) {
      const { text } = await registryErrors(response);
      throw this.authError(response, `${init.what}${text ? ` (${text})` : ''}`);
    }
    return response;
  }

  private manifestUrl(reference: string): string {
    return `/v2/${this.repository}/manifests/${reference}`;
  }

  private notFound(what: string, codes: string[], text: string, reference?: string): DistributionError {
    let message: string;
    if (codes.includes('NAME_UNKNOWN')) {
      message = `repository '${this.repository}' not found in registry ${this.registry}`;
    } else if (reference && !isValidDigest(reference)) {
      message = `tag '${reference}' not found in ${this.registry}/${this.repository}`;
    } else if (reference) {
      message = `manifest ${reference} not found in ${this.registry}/${this.repository}`;
    } else {
      message = `${what} not found in ${this.registry}/${this.repository}`;
    }
    return new DistributionError('not-found', `${message}${text ? ` (registry said: ${text})` : ''}`);
  }

  private async unexpected(response: Response, what: string): Promise<DistributionError> {
    const { text } = await registryErrors(response);
    return new DistributionError(
      'http-error',
      `registry ${this.registry} answered ${describeStatus(response)} for ${what}${text ? `: ${text}` : ''}`,
    );
  }

  /** Fetches a manifest or index; `undefined` when `optional` and it does not exist. */
  async getManifest(reference: string, options: { optional?: boolean; what?: string } = {}): Promise<FetchedManifest | undefined> {
    const what = options.what ?? `manifest ${this.registry}/${this.repository}:${reference}`;
    const response = await this.request(this.manifestUrl(reference), {
      headers: { accept: MANIFEST_ACCEPT },
      what,
    });
    if (response.status === 404) {
      const { codes, text } = await registryErrors(response);
      if (options.optional) return undefined;
      if (!isValidDigest(reference) && !codes.includes('NAME_UNKNOWN')) {
        // Tell an unknown repository from an unknown tag (many registries say MANIFEST_UNKNOWN for both).
        const tags = await this.listTags().catch(() => undefined);
        if (tags === null) throw this.notFound(what, ['NAME_UNKNOWN'], text, reference);
        if (tags) {
          const shown = tags.slice(0, 10).join(', ') + (tags.length > 10 ? ', …' : '');
          throw new DistributionError(
            'not-found',
            `tag '${reference}' not found in ${this.registry}/${this.repository} (available tags: ${shown || 'none'})`,
          );
        }
      }
      throw this.notFound(what, codes, text, reference);
    }
    if (!response.ok) throw await this.unexpected(response, what);
    const algorithm = isValidDigest(reference) ? algorithmOf(reference) : 'sha256';
    const { bytes, digest } = await readBody(response, {
      maxBytes: MAX_MANIFEST_BYTES,
      what,
      hashAlgorithm: algorithm,
      url: response.url,
    });
    if (isValidDigest(reference) && digest !== reference) {
      throw new DistributionError(
        'digest-mismatch',
        `digest mismatch for ${what}: expected ${reference}, the registry sent content with digest ${digest}`,
      );
    }
    const sha256 = algorithm === 'sha256' ? digest! : digestOf(bytes);
    const headerDigest = response.headers.get('docker-content-digest');
    if (!isValidDigest(reference) && headerDigest && headerDigest.startsWith('sha256:') && headerDigest !== sha256) {
      throw new DistributionError(
        'digest-mismatch',
        `digest mismatch for ${what}: the registry says ${headerDigest}, the content hashes to ${sha256}`,
      );
    }
    return parseManifest(bytes, isValidDigest(reference) ? reference : sha256, response.headers.get('content-type'), what);
  }

  /** Tags of the repository; `null` when the repository does not exist. */
  async listTags(): Promise<string[] | null> {
    const what = `tags of ${this.registry}/${this.repository}`;
    const response = await this.request(`/v2/${this.repository}/tags/list?n=100`, { what });
    if (response.status === 404) {
      await discard(response);
      return null;
    }
    if (!response.ok) throw await this.unexpected(response, what);
    const { bytes } = await readBody(response, { maxBytes: MAX_MANIFEST_BYTES, what, url: response.url });
    const body = parseJson(bytes, what) as { tags?: unknown };
    return Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
  }

  /** Downloads a blob, enforcing its descriptor size, `maxBytes` and digest. */
  async getBlob(
    descriptor: Descriptor,
    options: { maxBytes: number; what: string; onProgress?: (done: number, total?: number) => void; hint?: string },
  ): Promise<Uint8Array> {
    const { what } = options;
    if (!isValidDigest(descriptor.digest)) {
      throw new DistributionError('invalid-manifest', `${what} has an invalid digest '${descriptor.digest}'`);
    }
    if (typeof descriptor.size === 'number' && descriptor.size > options.maxBytes) {
      throw new DistributionError(
        'too-large',
        `${what} is too large: ${descriptor.size} bytes, the limit is ${options.maxBytes} bytes${options.hint ? `; ${options.hint}` : ''}`,
      );
    }
    const response = await this.request(`/v2/${this.repository}/blobs/${descriptor.digest}`, { what });
    if (response.status === 404) {
      const { codes, text } = await registryErrors(response);
      throw this.notFound(`${what} (blob ${descriptor.digest})`, codes.filter((c) => c === 'NAME_UNKNOWN'), text);
    }
    if (!response.ok) throw await this.unexpected(response, what);
    const { bytes, digest } = await readBody(response, {
      maxBytes: options.maxBytes,
      what,
      expectedSize: Number.isSafeInteger(descriptor.size) && descriptor.size >= 0 ? descriptor.size : undefined,
      hashAlgorithm: algorithmOf(descriptor.digest),
      onProgress: options.onProgress,
      url: response.url,
    });
    if (digest !== descriptor.digest) {
      throw new DistributionError(
        'digest-mismatch',
        `digest mismatch for ${what}: expected ${descriptor.digest}, received content with digest ${digest}; the artifact was modified or corrupted, refusing to use it`,
      );
    }
    return bytes;
  }

  async blobExists(digest: string): Promise<boolean> {
    const response = await this.request(`/v2/${this.repository}/blobs/${digest}`, {
      method: 'HEAD',
      access: 'push',
      what: `blob ${digest}`,
    });
    await discard(response);
    return response.ok;
  }

  /** Uploads a blob (monolithic POST then PUT), skipping it when already present. */
  async pushBlob(bytes: Uint8Array, digest: string, what: string): Promise<void> {
    if (await this.blobExists(digest)) return;
    const start = await this.request(`/v2/${this.repository}/blobs/uploads/`, {
      method: 'POST',
      access: 'push',
      headers: { 'content-length': '0' },
      what: `upload of ${what}`,
    });
    if (start.status !== 202) throw await this.unexpected(start, `upload of ${what}`);
    await discard(start);
    const location = start.headers.get('location');
    if (!location) {
      throw new DistributionError('http-error', `registry ${this.registry} started an upload without a Location`);
    }
    const base = await this.ensureBase();
    const url = new URL(location, `${base}/`);
    url.searchParams.set('digest', digest);
    const put = await this.request(url.href, {
      method: 'PUT',
      access: 'push',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) },
      body: bytes,
      what: `upload of ${what}`,
    });
    if (put.status !== 201 && put.status !== 204 && put.status !== 200) {
      throw await this.unexpected(put, `upload of ${what}`);
    }
    await discard(put);
  }

  /** Uploads a manifest; `subjectProcessed` tells whether the registry indexed its subject (OCI-Subject). */
  async putManifest(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<{ digest: string; subjectProcessed: boolean }> {
    const what = `manifest ${this.registry}/${this.repository}:${reference}`;
    const response = await this.request(this.manifestUrl(reference), {
      method: 'PUT',
      access: 'push',
      headers: { 'content-type': mediaType },
      body: bytes,
      what,
    });
    if (response.status !== 201 && response.status !== 200 && response.status !== 204) {
      throw await this.unexpected(response, `push of ${what}`);
    }
    await discard(response);
    return { digest: digestOf(bytes), subjectProcessed: response.headers.has('oci-subject') };
  }

  /**
   * Manifests that refer to `digest` (OCI 1.1): the referrers API, else the
   * referrers tag schema (`sha256-<hex>` tag holding an index).
   */
  async getReferrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    const what = `referrers of ${digest}`;
    const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const response = await this.request(`/v2/${this.repository}/referrers/${digest}${query}`, {
      headers: { accept: OCI_INDEX },
      what,
    });
    let index: ImageIndex | undefined;
    if (response.ok && baseMediaType(response.headers.get('content-type')) === OCI_INDEX) {
      const { bytes } = await readBody(response, { maxBytes: MAX_MANIFEST_BYTES, what, url: response.url });
      index = parseJson(bytes, what) as ImageIndex;
    } else {
      await discard(response);
      const fallback = await this.getManifest(digest.replace(':', '-'), { optional: true, what });
      index = fallback?.index;
    }
    const manifests = Array.isArray(index?.manifests) ? index!.manifests : [];
    return manifests.filter((m) => !artifactType || m.artifactType === artifactType);
  }
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new DistributionError('invalid-manifest', `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  const desc = d as Descriptor;
  if (!desc || typeof desc !== 'object' || typeof desc.mediaType !== 'string' || typeof desc.digest !== 'string') {
    throw new DistributionError('invalid-manifest', `${what} has a descriptor without mediaType or digest`);
  }
  if (!isValidDigest(desc.digest)) {
    throw new DistributionError('invalid-manifest', `${what} has a descriptor with invalid digest '${desc.digest}'`);
  }
  if (typeof desc.size !== 'number' || !Number.isSafeInteger(desc.size) || desc.size < 0) {
    throw new DistributionError('invalid-manifest', `${what} has a descriptor with invalid size for ${desc.digest}`);
  }
  return desc;
}

export function parseManifest(bytes: Uint8Array, digest: string, contentType: string | null, what: string): FetchedManifest {
  const json = parseJson(bytes, what) as Record<string, unknown>;
  if (!json || typeof json !== 'object') throw new DistributionError('invalid-manifest', `${what} is not a JSON object`);
  if (json.schemaVersion !== 2) {
    throw new DistributionError(
      'invalid-manifest',
      `${what} has schemaVersion ${String(json.schemaVersion)}; only schema 2 (OCI / Docker v2) manifests are supported`,
    );
  }
  const mediaType = baseMediaType((json.mediaType as string | undefined) ?? contentType) || undefined;
  const isIndex =
    (mediaType && (INDEX_TYPES as readonly string[]).includes(mediaType)) || (!mediaType && Array.isArray(json.manifests));
  if (isIndex) {
    if (!Array.isArray(json.manifests)) throw new DistributionError('invalid-manifest', `${what} is an index without manifests`);
    const manifests = json.manifests.map((m) => checkDescriptor(m, what));
    return { bytes, digest, mediaType: mediaType ?? OCI_INDEX, kind: 'index', index: { ...(json as unknown as ImageIndex), manifests } };
  }
  if (mediaType && !(MANIFEST_TYPES as readonly string[]).includes(mediaType)) {
    throw new DistributionError('invalid-manifest', `${what} has unsupported media type '${mediaType}'`);
  }
  if (!Array.isArray(json.layers)) throw new DistributionError('invalid-manifest', `${what} has no layers array`);
  const manifest = json as unknown as ImageManifest;
  const layers = manifest.layers.map((l) => checkDescriptor(l, what));
  const config = checkDescriptor(manifest.config, `${what} (config)`);
  return {
    bytes,
    digest,
    mediaType: mediaType ?? MANIFEST_TYPES[0],
    kind: 'manifest',
    manifest: { ...manifest, layers, config },
  };
}
