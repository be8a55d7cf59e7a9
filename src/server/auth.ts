/**
 * HTTP authentication: a static bearer token (compared in constant time)
 * and/or an OAuth 2.1 resource server following the MCP authorization spec —
 * JWT access tokens verified against the authorization server's JWKS (issuer,
 * audience = this server's resource URL, expiry, required scopes), RFC 9728
 * protected resource metadata, and `WWW-Authenticate` challenges. jose is
 * loaded with the first JWT to verify (a bearer token alone never needs it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { createRemoteJWKSet, JWTPayload } from 'jose';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

export interface OAuthOptions {
  /** Expected `iss` of access tokens. */
  issuer: string;
  /** Expected `aud` (this server's canonical resource URL); default: `<base url>/mcp`. */
  audience?: string;
  /** JWKS location; default: discovered from the issuer's RFC 8414 / OpenID metadata. */
  jwksUri?: string;
  /** Scopes every token must carry (403 insufficient_scope otherwise). */
  requiredScopes?: string[];
  /** Authorization servers advertised in the protected resource metadata. */
  authorizationServers: string[];
}

export interface AuthOptions {
  token?: string;
  oauth?: OAuthOptions;
  /** The canonical URL of the protected MCP endpoint, e.g. http://127.0.0.1:9001/mcp. */
  resourceUrl: string;
  logger: Logger;
  /** Fetch used for metadata discovery (tests). */
  fetch?: typeof fetch;
}

export type AuthResult =
  | { ok: true; principal: string; authInfo: AuthInfo }
  | { ok: false; status: 401 | 403 | 503; headers: Record<string, string>; error: string; description: string };

const PRM_PREFIX = '/.well-known/oauth-protected-resource';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function scopesOf(payload: JWTPayload): string[] {
  const raw = (payload.scope ?? payload.scp) as unknown;
  if (typeof raw === 'string') return raw.split(/\s+/).filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

export class Authenticator {
  readonly resourceUrl: string;
  /** Where the protected resource metadata is served (absolute URL), when OAuth is on. */
  readonly resourceMetadataUrl?: string;
  private readonly tokenDigest?: Buffer;
  private readonly oauth?: OAuthOptions;
  private jwks?: Promise<ReturnType<typeof createRemoteJWKSet>>;

  constructor(private readonly options: AuthOptions) {
    this.oauth = options.oauth;
    this.resourceUrl = options.oauth?.audience ?? options.resourceUrl;
    if (options.token !== undefined) {
      if (options.token.length === 0) throw new Error('the auth token is empty');
      if (options.token.length < 16) options.logger.warn('the auth token is shorter than 16 characters; use a long random token (e.g. openssl rand -hex 32)');
      this.tokenDigest = sha256(options.token);
    }
    if (this.oauth) {
      if (!this.oauth.issuer) throw new Error('OAuth: issuer is required');
      if (!this.oauth.authorizationServers?.length) throw new Error('OAuth: at least one authorization server is required');
      const resource = new URL(this.resourceUrl);
      const path = resource.pathname === '/' ? '' : withoutTrailingSlash(resource.pathname);
      this.resourceMetadataUrl = `${resource.origin}${PRM_PREFIX}${path}`;
    }
  }

  get enabled(): boolean {
    return this.tokenDigest !== undefined || this.oauth !== undefined;
  }

  get oauthEnabled(): boolean {
    return this.oauth !== undefined;
  }

  /** Paths (on this server) that serve the protected resource metadata. */
  metadataPaths(localResourcePath: string): string[] {
    if (!this.oauth) return [];
    const paths = new Set([PRM_PREFIX, `${PRM_PREFIX}${localResourcePath}`]);
    const own = new URL(this.resourceMetadataUrl!).pathname;
    paths.add(own);
    return [...paths];
  }

  /** RFC 9728 protected resource metadata. */
  protectedResourceMetadata(): Record<string, unknown> {
    const o = this.oauth!;
    return {
      resource: this.resourceUrl,
      authorization_servers: o.authorizationServers,
      ...(o.requiredScopes?.length && { scopes_supported: o.requiredScopes }),
      bearer_methods_supported: ['header'],
      resource_name: 'tapedeck',
    };
  }

  private challenge(params: Record<string, string | undefined>): string {
    const parts: string[] = ['realm="tapedeck"'];
    for (const [k, v] of Object.entries(params)) if (v !== undefined) parts.push(`${k}=${quote(v)}`);
    if (this.resourceMetadataUrl) parts.push(`resource_metadata=${quote(this.resourceMetadataUrl)}`);
    return `Bearer ${parts.join(', ')}`;
  }

  private fail(status: 401 | 403 | 503, error: string, description: string, withError = true): AuthResult {
    const scope = this.oauth?.requiredScopes?.length ? this.oauth.requiredScopes.join(' ') : undefined;
    const header: Record<string, string> =
      status === 503 ? {} : { 'WWW-Authenticate': this.challenge(withError ? { error, error_description: description, scope } : { scope }) };
    return { ok: false, status, headers: header, error, description };
  }

  /** Verifies the `Authorization` header of a request. */
  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    const match = authorization ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization) : null;
    if (!authorization) return this.fail(401, 'invalid_request', 'an access token is required (Authorization: Bearer <token>)', false);
    if (!match) return this.fail(401, 'invalid_request', 'the Authorization header must be "Bearer <token>"');
    const token = match[1];
    // Constant time: both sides are SHA-256 digests, so neither content nor length leaks.
    if (this.tokenDigest && timingSafeEqual(sha256(token), this.tokenDigest)) {
      return { ok: true, principal: 'bearer-token', authInfo: { token, clientId: 'bearer-token', scopes: [] } };
    }
    if (!this.oauth) return this.fail(401, 'invalid_token', 'the access token is not valid');
    return this.verifyJwt(token);
  }

  private async verifyJwt(token: string): Promise<AuthResult> {
    const o = this.oauth!;
    let jwks: ReturnType<typeof createRemoteJWKSet>;
    try {
      jwks = await this.keySet();
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message, issuer: o.issuer }, 'cannot load the authorization server keys (JWKS)');
      return this.fail(503, 'temporarily_unavailable', 'the authorization server keys cannot be loaded; retry later');
    }
    const audience = [this.resourceUrl, withoutTrailingSlash(this.resourceUrl), `${withoutTrailingSlash(this.resourceUrl)}/`];
    const { jwtVerify, errors: joseErrors } = await import('jose');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer: o.issuer, audience: [...new Set(audience)], requiredClaims: ['exp'], clockTolerance: 5 }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return this.fail(401, 'invalid_token', 'the access token expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        const claim = error.claim;
        const what = claim === 'aud' ? `was not issued for this resource (${this.resourceUrl})` : `has an invalid '${claim}' claim`;
        return this.fail(401, 'invalid_token', `the access token ${what}`);
      }
      if (error instanceof joseErrors.JWKSTimeout || (error instanceof TypeError && /fetch/i.test(error.message))) {
        this.options.logger.error({ err: (error as Error).message }, 'cannot reach the authorization server JWKS');
        return this.fail(503, 'temporarily_unavailable', 'the authorization server keys cannot be loaded; retry later');
      }
      return this.fail(401, 'invalid_token', 'the access token is not valid');
    }
    const scopes = scopesOf(payload);
    const missing = (o.requiredScopes ?? []).filter((s) => !scopes.includes(s));
    if (missing.length > 0) {
      return this.fail(403, 'insufficient_scope', `the access token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(' ')}`);
    }
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : (payload.sub ?? 'unknown');
    const principal = payload.sub ? `${payload.sub}${clientId !== payload.sub ? ` (${clientId})` : ''}` : clientId;
    return {
      ok: true,
      principal,
      authInfo: { token, clientId, scopes, expiresAt: payload.exp, resource: new URL(this.resourceUrl), extra: { sub: payload.sub } },
    };
  }

  private keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!this.jwks) {
      this.jwks = Promise.all([this.discoverJwksUri(), import('jose')]).then(([uri, { createRemoteJWKSet }]) =>
        createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30_000 }),
      );
      this.jwks.catch(() => {
        this.jwks = undefined;
      });
    }
    return this.jwks;
  }

  private async discoverJwksUri(): Promise<string> {
    const o = this.oauth!;
    if (o.jwksUri) return o.jwksUri;
    const issuer = new URL(o.issuer);
    const path = issuer.pathname === '/' ? '' : withoutTrailingSlash(issuer.pathname);
    const candidates = [
      `${issuer.origin}/.well-known/oauth-authorization-server${path}`,
      `${issuer.origin}/.well-known/openid-configuration${path}`,
      `${withoutTrailingSlash(o.issuer)}/.well-known/openid-configuration`,
    ];
    const doFetch = this.options.fetch ?? fetch;
    for (const url of candidates) {
      try {
        const response = await doFetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
        if (!response.ok) continue;
        const metadata = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown };
        if (typeof metadata.jwks_uri === 'string') return metadata.jwks_uri;
      } catch {
        // try the next location
      }
    }
    throw new Error(`no jwks_uri found in the metadata of ${o.issuer} (tried ${candidates.join(', ')}); set the JWKS URI explicitly`);
  }
}
