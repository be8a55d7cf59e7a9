/**
 * HTTP safety: Host/Origin validation, bearer token, OAuth 2.1 resource
 * server (JWT against a JWKS served from loopback), body size limit, rate
 * limiting.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { connectHttp, startHttpServer } from './helpers.js';
import { startServer } from '../../src/server/index.js';
import { openDeck } from '../helpers/deck.js';
import { pino } from 'pino';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with full control over the headers (fetch cannot set Host). */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function initialize(endpoint: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw(endpoint, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: INITIALIZE });
}

test('Host and Origin: loopback only by default (403 otherwise); --allowed-host adds names; probes are exempt', async () => {
  const s = await startHttpServer({ allowedHosts: ['mcp.example.com', '*.corp.example'] });
  try {
    const port = new URL(s.url).port;
    assert.equal((await initialize(s.endpoint, { host: `127.0.0.1:${port}` })).status, 200);
    assert.equal((await initialize(s.endpoint, { host: `localhost:${port}` })).status, 200);

    const evil = await initialize(s.endpoint, { host: 'evil.example.com' });
    assert.equal(evil.status, 403);
    const body = JSON.parse(evil.body);
    assert.equal(body.jsonrpc, '2.0');
    assert.match(body.error.message, /Host 'evil\.example\.com' is not allowed.*--allowed-host/);

    assert.equal((await initialize(s.endpoint, { host: `mcp.example.com:${port}` })).status, 200);
    assert.equal((await initialize(s.endpoint, { host: 'a.corp.example' })).status, 200);
    assert.equal((await initialize(s.endpoint, { host: 'corp.example' })).status, 403);

    // Origin: any loopback origin passes, others (and "null") are refused.
    assert.equal((await initialize(s.endpoint, { origin: 'http://localhost:6274' })).status, 200);
    const badOrigin = await initialize(s.endpoint, { origin: 'https://attacker.example' });
    assert.equal(badOrigin.status, 403);
    assert.match(JSON.parse(badOrigin.body).error.message, /Origin 'https:\/\/attacker\.example' is not allowed/);
    assert.equal((await initialize(s.endpoint, { origin: 'null' })).status, 403);
    // CORS for allowed browser origins only.
    const preflight = await raw(s.endpoint, { method: 'OPTIONS', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:6274');
    assert.match(String(preflight.headers['access-control-allow-headers']), /mcp-session-id/);
    assert.equal((await raw(s.endpoint, { method: 'OPTIONS', headers: { origin: 'https://attacker.example' } })).status, 403);

    // /metrics is protected too; liveness and readiness are not (kubelet sends the pod IP as Host).
    assert.equal((await raw(`${s.url}/metrics`, { headers: { host: 'evil.example.com' } })).status, 403);
    const health = await raw(`${s.url}/health`, { headers: { host: '10.1.2.3:9001' } });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    const ready = await raw(`${s.url}/ready`, { headers: { host: '10.1.2.3:9001' } });
    assert.equal(ready.status, 200);
    assert.equal(JSON.parse(ready.body).status, 'ready');

    // Rejections are counted.
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /tapedeck_http_rejections_total\{reason="host"\} 3/);
    assert.match(metrics, /tapedeck_http_rejections_total\{reason="origin"\} 3/);
  } finally {
    await s.stop();
  }
});

test('bearer token: 401 with WWW-Authenticate without or with a wrong token; the right one works (streamable HTTP and SSE)', async () => {
  const token = 'test-token-0123456789abcdef';
  for (const transport of ['streamable-http', 'sse'] as const) {
    const s = await startHttpServer({ transport, authToken: token });
    try {
      const none = await raw(s.endpoint, transport === 'sse' ? {} : { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="tapedeck"');
      const wrong = await raw(s.endpoint, { method: transport === 'sse' ? 'GET' : 'POST', headers: { ...MCP_HEADERS, authorization: 'Bearer wrong-token' }, body: transport === 'sse' ? undefined : INITIALIZE });
      assert.equal(wrong.status, 401);
      assert.match(String(wrong.headers['www-authenticate']), /^Bearer realm="tapedeck", error="invalid_token", error_description="the access token is not valid"$/);
      assert.equal(JSON.parse(wrong.body).error, 'invalid_token');

      await assert.rejects(connectHttp(s.endpoint));
      const client = await connectHttp(s.endpoint, { headers: { authorization: `Bearer ${token}` } });
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'list-components'));
      const listed = await client.callTool({ name: 'list-components', arguments: {} });
      assert.deepEqual(listed.structuredContent, { components: [], total: 0 });
      await client.close();
      const audit = s.serverLogs.find((r) => r.event === 'tool-call' && r.tool === 'list-components');
      assert.equal(audit?.principal, 'bearer-token');
      assert.equal(audit?.transport, transport);
      // The token never appears in the logs.
      assert.ok(!JSON.stringify(s.serverLogs).includes(token));
    } finally {
      await s.stop();
    }
  }
});

// ---------------------------------------------------------------- OAuth

let issuerServer: Server;
let issuer: string;
let privateKey: CryptoKey;
let otherKey: CryptoKey;
let jwksFetches = 0;

before(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey as CryptoKey;
  otherKey = (await generateKeyPair('RS256')).privateKey as CryptoKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  issuerServer = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json`, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token` }));
    } else if (req.url === '/jwks.json') {
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => issuerServer.close(() => r())));

async function jwt(claims: { aud: string; scope?: string; sub?: string; expiresIn?: string | number; iss?: string; key?: CryptoKey }): Promise<string> {
  const builder = new SignJWT({ ...(claims.scope !== undefined && { scope: claims.scope }), client_id: 'test-client' })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuer(claims.iss ?? issuer)
    .setAudience(claims.aud)
    .setSubject(claims.sub ?? 'alice')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 120);
  builder.setExpirationTime(claims.expiresIn ?? '5m');
  return builder.sign(claims.key ?? privateKey);
}

test('OAuth resource server: metadata (RFC 9728), good token, wrong audience 401, missing scope 403, expired 401', async () => {
  const srv = await startHttpServer({ oauth: { issuer: issuer, authorizationServers: [issuer], requiredScopes: ['mcp:tools'] } });
  try {
    const resource = `${srv.url}/mcp`;
    const metadataUrl = `${srv.url}/.well-known/oauth-protected-resource/mcp`;

    // Protected resource metadata at both well-known locations.
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${srv.url}${path}`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        resource,
        authorization_servers: [issuer],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
        resource_name: 'tapedeck',
      });
    }

    // No token: 401 pointing at the metadata.
    const none = await initialize(srv.endpoint);
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], `Bearer realm="tapedeck", scope="mcp:tools", resource_metadata="${metadataUrl}"`);

    // A good token: the SDK client works, and the audit names the subject.
    const good = await jwt({ aud: resource, scope: 'mcp:tools other' });
    const client = await connectHttp(srv.endpoint, { headers: { authorization: `Bearer ${good}` } });
    const listed = await client.callTool({ name: 'list-components', arguments: {} });
    assert.deepEqual(listed.structuredContent, { components: [], total: 0 });
    await client.close();
    const audit = srv.serverLogs.find((r) => r.event === 'tool-call' && r.tool === 'list-components');
    assert.equal(audit?.principal, 'alice (test-client)');
    assert.ok(jwksFetches >= 1, 'keys came from the JWKS discovered through the issuer metadata');

    // Wrong audience: a token for another resource is refused.
    const foreign = await initialize(srv.endpoint, { authorization: `Bearer ${await jwt({ aud: 'https://other.example/mcp', scope: 'mcp:tools' })}` });
    assert.equal(foreign.status, 401);
    assert.match(String(foreign.headers['www-authenticate']), /error="invalid_token", error_description="the access token was not issued for this resource/);
    assert.match(String(foreign.headers['www-authenticate']), new RegExp(`resource_metadata="${metadataUrl.replace(/[.]/g, '\\.')}"`));

    // Missing scope: 403 insufficient_scope naming it.
    const weak = await initialize(srv.endpoint, { authorization: `Bearer ${await jwt({ aud: resource, scope: 'read' })}` });
    assert.equal(weak.status, 403);
    assert.match(String(weak.headers['www-authenticate']), /error="insufficient_scope", error_description="the access token lacks the scope mcp:tools", scope="mcp:tools"/);
    assert.equal(JSON.parse(weak.body).error, 'insufficient_scope');

    // Expired.
    const expired = await initialize(srv.endpoint, { authorization: `Bearer ${await jwt({ aud: resource, scope: 'mcp:tools', expiresIn: Math.floor(Date.now() / 1000) - 60 })}` });
    assert.equal(expired.status, 401);
    assert.match(String(expired.headers['www-authenticate']), /error="invalid_token", error_description="the access token expired"/);

    // Signed by another key / issued by someone else.
    const forged = await initialize(srv.endpoint, { authorization: `Bearer ${await jwt({ aud: resource, scope: 'mcp:tools', key: otherKey })}` });
    assert.equal(forged.status, 401);
    const wrongIssuer = await initialize(srv.endpoint, { authorization: `Bearer ${await jwt({ aud: resource, scope: 'mcp:tools', iss: 'https://evil.example' })}` });
    assert.equal(wrongIssuer.status, 401);
    assert.match(String(wrongIssuer.headers['www-authenticate']), /invalid 'iss' claim/);

    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(metrics, /tapedeck_http_rejections_total\{reason="unauthorized"\} 5/);
    assert.match(metrics, /tapedeck_http_rejections_total\{reason="forbidden"\} 1/);
  } finally {
    await srv.stop();
  }
});

test('an OAuth configuration without issuer or authorization server is refused at start', async () => {
  const t = await openDeck();
  try {
    const logger = pino({ level: 'silent' });
    await assert.rejects(
      startServer(t.deck, { transport: 'streamable-http', bindAddress: '127.0.0.1:0', logger, version: 't', oauth: { issuer: '', authorizationServers: ['x'] } }),
      /OAuth: issuer is required/,
    );
    await assert.rejects(
      startServer(t.deck, { transport: 'streamable-http', bindAddress: '127.0.0.1:0', logger, version: 't', oauth: { issuer: 'https://as.example', authorizationServers: [] } }),
      /OAuth: at least one authorization server is required/,
    );
  } finally {
    await t.close();
  }
});

test('request body limit: 413 with a JSON-RPC error, before the body is read', async () => {
  const s = await startHttpServer({ maxBodyBytes: 1024 });
  try {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(2000) } });
    const response = await raw(s.endpoint, { method: 'POST', headers: MCP_HEADERS, body: big });
    assert.equal(response.status, 413);
    const body = JSON.parse(response.body);
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(body.id, null);
    assert.equal(body.error.message, 'Request body too large: the limit is 1024 bytes');
    // Small requests still work.
    assert.equal((await initialize(s.endpoint)).status, 200);
  } finally {
    await s.stop();
  }
  // Default: 4 MiB.
  const d = await startHttpServer();
  try {
    const huge = Buffer.alloc(4 * 1024 * 1024 + 10, 0x20);
    const response = await raw(d.endpoint, { method: 'POST', headers: MCP_HEADERS, body: huge });
    assert.equal(response.status, 413);
    assert.match(JSON.parse(response.body).error.message, /limit is 4194304 bytes/);
  } finally {
    await d.stop();
  }
});

test('rate limiting: token bucket per client, 429 with Retry-After; probes are not limited', async () => {
  const s = await startHttpServer({ rateLimit: { requestsPerSecond: 0.5, burst: 3 } });
  try {
    const statuses: number[] = [];
    let limited: RawResponse | undefined;
    for (let i = 0; i < 4; i++) {
      const r = await initialize(s.endpoint);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(limited!.headers['retry-after'], '2');
    assert.match(JSON.parse(limited!.body).error.message, /Too many requests: retry after 2 s/);
    for (let i = 0; i < 5; i++) assert.equal((await raw(`${s.url}/health`)).status, 200);
    const metrics = await raw(`${s.url}/metrics`);
    assert.equal(metrics.status, 429, 'the metrics endpoint shares the client budget');
  } finally {
    await s.stop();
  }
});

test('unknown paths 404, non-JSON bodies 415, malformed JSON 400', async () => {
  const s = await startHttpServer();
  try {
    const notFound = await raw(`${s.url}/nope`);
    assert.equal(notFound.status, 404);
    assert.match(JSON.parse(notFound.body).error.message, /serves MCP at \/mcp/);
    const text = await raw(s.endpoint, { method: 'POST', headers: { 'content-type': 'text/plain', accept: MCP_HEADERS.accept }, body: INITIALIZE });
    assert.equal(text.status, 415);
    const broken = await raw(s.endpoint, { method: 'POST', headers: MCP_HEADERS, body: '{"jsonrpc":' });
    assert.equal(broken.status, 400);
    assert.equal(JSON.parse(broken.body).error.code, -32700);
  } finally {
    await s.stop();
  }
});
