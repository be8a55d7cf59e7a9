/**
 * Starts Debian's `docker-registry` (CNCF distribution 2.8) on a free
 * loopback port with a temporary storage directory, optionally behind
 * htpasswd (Basic) or token (Bearer) authentication. Tests that use it must
 * `await registry.stop()` (it kills the process and removes the temp dir).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

export const REGISTRY_BINARY = process.env.TAPEDECK_DOCKER_REGISTRY ?? '/usr/bin/docker-registry';

export interface RegistryUser {
  username: string;
  password: string;
  /** OAuth2 refresh token the token server accepts for this user (POST grant_type=refresh_token). */
  identityToken?: string;
}

export interface RegistryOptions {
  /** Basic authentication through an htpasswd file with these users. */
  htpasswd?: RegistryUser[];
  /** Bearer-token authentication; a token server on loopback checks these users. */
  token?: RegistryUser[];
}

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  port: number;
  url: string;
  /** Storage root (the filesystem driver's rootdirectory). */
  storageDir: string;
  /** Path of a blob's data file in storage (to tamper with it). */
  blobPath(digest: string): string;
  /** Token-server requests seen (token auth only). */
  tokenRequests: { scope: string[]; user?: string }[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function assertBinary(): void {
  if (!existsSync(REGISTRY_BINARY)) {
    throw new Error(
      `${REGISTRY_BINARY} is missing: these tests need Debian's docker-registry package. Install it with: apt-get install docker-registry`,
    );
  }
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`docker-registry did not become ready within ${timeoutMs} ms: ${output()}`);
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A token server in the style of docker/distribution's token auth (ES256 JWT with an x5c header). */
async function startTokenServer(dir: string, users: RegistryUser[], service: string, issuer: string) {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=tapedeck-test-token',
  ], { stdio: 'pipe' });
  const key = createPrivateKey(await readFile(keyPath));
  const certDer = new X509Certificate(await readFile(certPath)).raw;
  const requests: { scope: string[]; user?: string }[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let params = url.searchParams;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    }
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const header = req.headers.authorization ?? '';
    let user: string | undefined;
    if (req.method === 'POST') {
      const match = users.find((x) => x.identityToken && params.get('grant_type') === 'refresh_token' && params.get('refresh_token') === x.identityToken);
      if (!match) {
        requests.push({ scope: scopes });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid refresh token' }] }));
        return;
      }
      user = match.username;
    } else if (header.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      const p = rest.join(':');
      if (!users.some((x) => x.username === u && x.password === p)) {
        requests.push({ scope: scopes, user: u });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
        return;
      }
      user = u;
    }
    requests.push({ scope: scopes, user });
    const access = user
      ? scopes.map((s) => {
          const [type, name, actions] = s.split(':');
          return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const headerJson = { alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${base64url(JSON.stringify(headerJson))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${signingInput}.${base64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, certPath, requests };
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  assertBinary();
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-registry-'));
  const storageDir = join(dir, 'storage');
  let authConfig = '';
  let tokenServer: Awaited<ReturnType<typeof startTokenServer>> | undefined;
  try {
    if (options.htpasswd) {
      const lines = options.htpasswd.map((u) => `${u.username}:${bcrypt.hashSync(u.password, 5)}`);
      const path = join(dir, 'htpasswd');
      await writeFile(path, lines.join('\n') + '\n');
      authConfig = `auth:\n  htpasswd:\n    realm: tapedeck-test\n    path: ${path}\n`;
    } else if (options.token) {
      const service = 'tapedeck-test-registry';
      const issuer = 'tapedeck-test-issuer';
      tokenServer = await startTokenServer(dir, options.token, service, issuer);
      authConfig =
        `auth:\n  token:\n    realm: http://127.0.0.1:${tokenServer.port}/token\n    service: ${service}\n` +
        `    issuer: ${issuer}\n    rootcertbundle: ${tokenServer.certPath}\n`;
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const configPath = join(dir, 'config.yml');
      await writeFile(
        configPath,
        `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${storageDir}\n  delete:\n    enabled: true\n` +
          `http:\n  addr: 127.0.0.1:${port}\n  secret: ${randomBytes(16).toString('hex')}\n${authConfig}`,
      );
      const child = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (d) => (output = (output + d).slice(-4000)));
      child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitReady(url, child, () => output);
      } catch (error) {
        lastError = error;
        child.kill('SIGKILL');
        continue;
      }
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      const ts = tokenServer;
      return {
        host: `127.0.0.1:${port}`,
        port,
        url,
        storageDir,
        tokenRequests: ts?.requests ?? [],
        blobPath(digest: string) {
          const [algorithm, hex] = digest.split(':');
          return join(storageDir, 'docker', 'registry', 'v2', 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            await exited;
            clearTimeout(timer);
          }
          if (ts) await new Promise<void>((resolve) => ts.server.close(() => resolve()));
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    throw lastError;
  } catch (error) {
    if (tokenServer) tokenServer.server.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A fake component: the component preamble plus some bytes. */
export function fakeComponent(tag = 'test', extra = 0): Buffer {
  const preamble = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
  return Buffer.concat([preamble, Buffer.from(`tapedeck-${tag}-`), randomBytes(16), Buffer.alloc(extra, 7)]);
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
