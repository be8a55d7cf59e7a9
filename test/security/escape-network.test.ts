/**
 * Sandbox escape suite, network: the fetch example (hostile URLs) and the
 * JS probe (raw wasi:http requests built field by field: any scheme,
 * authority, path and Host header) try to reach hosts outside their allow
 * lists; the sockets WAT guest reaches for raw TCP and DNS. Only loopback
 * is used: targets on 127.0.0.1, 127.0.0.2 and [::1] record every request
 * and connection, so a denial is checked twice: the tool result reports it
 * with the grant hint, and the target received nothing.
 *
 * Grants: probe `http://127.0.0.1:<A>` (scheme-bound); fetch `127.0.0.1:<A>`
 * and `localhost:<B>`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { example, hostileWat, probeComponent, serve, target, type CallResult, type Served, type Target } from './helpers.js';

let s: Served;
let A: Target & { connections: number }; // granted (127.0.0.1)
let B: Target & { connections: number }; // 127.0.0.1, another port (granted to fetch as localhost)
let C: Target & { connections: number }; // 127.0.0.2
let V6: Target & { connections: number }; // [::1]
let all: (Target & { connections: number })[];

before(async () => {
  [A, B, C, V6] = await Promise.all([target('127.0.0.1'), target('127.0.0.1'), target('127.0.0.2'), target('::1')]);
  all = [A, B, C, V6];
  A.routes.set('/to-port', (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${B.port}/stolen` }).end());
  A.routes.set('/to-host', (_req, res) => res.writeHead(302, { location: `http://127.0.0.2:${C.port}/stolen` }).end());
  A.routes.set('/to-name', (_req, res) => res.writeHead(302, { location: `http://localhost:${A.port}/stolen` }).end());
  A.routes.set('/to-v6', (_req, res) => res.writeHead(307, { location: `http://[::1]:${V6.port}/stolen` }).end());
  A.routes.set('/to-relative', (_req, res) => res.writeHead(302, { location: '/landed' }).end());
  const dir = (await import('node:os')).tmpdir();
  s = await serve({ components: [await probeComponent(), await example('fetch'), await hostileWat('sockets', dir, 'sockets', `sockets-${process.pid}`)] });
  await s.deck.grantPermission('probe', { kind: 'network', host: `http://127.0.0.1:${A.port}` });
  await s.deck.grantPermission('fetch', { kind: 'network', host: `127.0.0.1:${A.port}` });
  await s.deck.grantPermission('fetch', { kind: 'network', host: `localhost:${B.port}` });
});

after(async () => {
  await s?.close();
  await Promise.all(all.map((t) => t.close()));
});

function probe(scheme: string, authority: string, path = '/', hostHeader = ''): Promise<CallResult> {
  return s.call('http', { scheme, authority, path, 'host-header': hostHeader });
}

function fetchUrl(url: string): Promise<CallResult> {
  return s.call('fetch', { url });
}

function counts(): string {
  return JSON.stringify(all.map((t) => [t.hits.length, t.connections]));
}

function failed(result: CallResult): boolean {
  const structured = result.structured as { result?: unknown } | undefined;
  return result.isError || Boolean(structured?.result && typeof structured.result === 'object' && 'err' in (structured.result as object));
}

const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A request that must not leave: it fails, the denial (when given) names the
 * grant, no target saw a request or even a connection, and the server is alive.
 */
function denied(name: string, run: () => Promise<CallResult>, denial?: () => RegExp): void {
  test(name, async () => {
    const before = counts();
    const result = await run();
    assert.ok(failed(result), `expected the request to fail: ${JSON.stringify(result)}`);
    if (denial) {
      const pattern = denial();
      assert.ok(result.denials.some((d) => pattern.test(d)), `expected a denial matching ${pattern}: ${JSON.stringify(result)}`);
    }
    assert.ok(!/^\d{3} target/.test(result.text) && !result.text.includes('"ok":"200'), `a target answered: ${result.text}`);
    assert.equal(counts(), before, 'a target received a request or connection');
    await s.alive();
  });
}

const probeHint = (grant: () => string) => () => new RegExp(`network access to .* denied — grant it with: tapedeck permission grant network probe ${esc(grant())}$`);
const fetchHint = (grant: () => string) => () => new RegExp(`network access to .* denied — grant it with: tapedeck permission grant network fetch ${esc(grant())}$`);

test('baseline: granted requests reach exactly the granted server', async () => {
  const viaProbe = await probe('http', `127.0.0.1:${A.port}`, '/probe-ok');
  assert.deepEqual(viaProbe.structured, { result: { ok: `200 target ${A.port} /probe-ok` } }, JSON.stringify(viaProbe));
  const viaFetch = await fetchUrl(`http://127.0.0.1:${A.port}/fetch-ok`);
  assert.deepEqual(viaFetch.structured, { result: { ok: `200 target ${A.port} /fetch-ok` } }, JSON.stringify(viaFetch));
  const byName = await fetchUrl(`http://localhost:${B.port}/by-name`);
  assert.deepEqual(byName.structured, { result: { ok: `200 target ${B.port} /by-name` } }, JSON.stringify(byName));
  assert.deepEqual(A.hits.map((h) => h.url), ['/probe-ok', '/fetch-ok']);
  assert.deepEqual(B.hits.map((h) => h.url), ['/by-name']);
  assert.deepEqual([C.hits.length, V6.hits.length], [0, 0]);
});

// ------------------------------------------------------------------ other port, scheme, host

denied('other port on the granted IP (raw request)', () => probe('http', `127.0.0.1:${B.port}`), probeHint(() => `127.0.0.1:${B.port}`));
denied('other port on the granted IP (fetch)', () => fetchUrl(`http://127.0.0.1:${B.port}/`), fetchHint(() => `127.0.0.1:${B.port}`));
denied('the default port instead of the granted one (fetch)', () => fetchUrl('http://127.0.0.1/'), fetchHint(() => '127.0.0.1'));
denied('other scheme against a scheme-bound grant (https)', () => probe('https', `127.0.0.1:${A.port}`), probeHint(() => `127.0.0.1:${A.port}`));
denied('an unknown scheme (ftp)', () => probe('ftp', `127.0.0.1:${A.port}`));
denied('no scheme at all (defaults to https)', () => probe('', `127.0.0.1:${A.port}`));
denied('IP-literal grant, request by name (raw)', () => probe('http', `localhost:${A.port}`), probeHint(() => `localhost:${A.port}`));
denied('IP-literal grant, request by name (fetch)', () => fetchUrl(`http://localhost:${A.port}/`), fetchHint(() => `localhost:${A.port}`));
denied('name grant, request by IP literal (fetch)', () => fetchUrl(`http://127.0.0.1:${B.port}/`), fetchHint(() => `127.0.0.1:${B.port}`));
denied('another loopback address, same port number', () => fetchUrl(`http://127.0.0.2:${A.port}/`), fetchHint(() => `127.0.0.2:${A.port}`));
denied('another loopback address (raw)', () => probe('http', `127.0.0.2:${C.port}`), probeHint(() => `127.0.0.2:${C.port}`));
denied('uppercase and trailing-dot name of a host that is not granted', () => fetchUrl(`http://LOCALHOST.:${A.port}/`), fetchHint(() => `localhost:${A.port}`));
denied('uppercase name, raw authority', () => probe('http', `LOCALHOST:${A.port}`), probeHint(() => `localhost:${A.port}`));
denied('two trailing dots are not a host', () => fetchUrl(`http://localhost..:${B.port}/`));
denied('a unicode look-alike of a granted name (Cyrillic o) is another host', () => fetchUrl(`http://l\u043ecalhost:${B.port}/`));
denied('fullwidth digits of a denied address', () => fetchUrl(`http://\uff11\uff12\uff17.\uff10.\uff10.\uff12:${C.port}/`));
denied('a non-ASCII raw authority', () => probe('http', `l\u043ecalhost:${B.port}`));
denied('decimal, hex and short IPv4 forms of another port', async () => {
  for (const host of ['2130706433', '0x7f000001', '127.1', '0x7f.0.0.1']) {
    const result = await probe('http', `${host}:${B.port}`);
    assert.ok(failed(result), `${host}: ${JSON.stringify(result)}`);
    assert.ok(result.denials.some((d) => d.includes(`grant network probe 127.0.0.1:${B.port}`)), `${host}: ${JSON.stringify(result.denials)}`);
  }
  return probe('http', `017700000001:${B.port}`);
});
denied('IPv6 loopback literal (raw authority with brackets)', () => probe('http', `[::1]:${V6.port}`));
denied('IPv6 loopback literal (fetch)', () => fetchUrl(`http://[::1]:${V6.port}/`));
denied('IPv4-mapped IPv6 form of a denied address', () => fetchUrl(`http://[::ffff:127.0.0.2]:${C.port}/`));

test('uppercase and trailing-dot forms of a granted name are the same host (and only that host)', async () => {
  const before = B.hits.length;
  const aBefore = A.hits.length;
  for (const url of [`http://LOCALHOST:${B.port}/upper`, `http://LocalHost:${B.port}/mixed`]) {
    const result = await fetchUrl(url);
    assert.equal(failed(result), false, `${url}: ${JSON.stringify(result)}`);
  }
  // "localhost." is allowed as "localhost"; whether the resolver answers for it is the host's business.
  const dotted = await fetchUrl(`http://localhost.:${B.port}/dot`);
  assert.deepEqual(dotted.denials, []);
  const expected = failed(dotted) ? ['/upper', '/mixed'] : ['/upper', '/mixed', '/dot'];
  assert.deepEqual(B.hits.slice(before).map((h) => h.url).sort(), expected.sort());
  assert.deepEqual([A.hits.length - aBefore, C.hits.length, V6.hits.length], [0, 0, 0]);
  await s.alive();
});

// ------------------------------------------------------------------ userinfo, Host header, request target

// StarlingMonkey's fetch refuses URLs with credentials before the host sees them; the raw
// probe below hands such authorities to the host directly.
denied('userinfo: allowed@evil (fetch)', () => fetchUrl(`http://127.0.0.1:${A.port}@127.0.0.2:${C.port}/`));
denied('userinfo: a granted name as the user part (fetch)', () => fetchUrl(`http://localhost:${B.port}@127.0.0.2:${C.port}/`));
denied('userinfo in a raw authority', () => probe('http', `127.0.0.1:${A.port}@127.0.0.2:${C.port}`));
denied('userinfo without a port in a raw authority', () => probe('http', `user@127.0.0.2:${C.port}`));
// wasi:http forbids the Host header in guest-built fields; the host also refuses a mismatching one.
denied('a Host header naming another server', () => probe('http', `127.0.0.1:${A.port}`, '/', `127.0.0.2:${C.port}`));
denied('no authority', () => probe('http', ''));
denied('a very long host name (300 characters)', () => fetchUrl(`http://${'a'.repeat(300)}.localhost:${A.port}/`));
denied('a host label longer than 63 characters', () => probe('http', `${'b'.repeat(64)}.localhost:${A.port}`));
denied('a 64 KiB authority', () => probe('http', `${'c'.repeat(65536)}:${A.port}`));
denied('a port above 65535', () => probe('http', `127.0.0.1:${A.port + 65536}`));

test('an absolute-form request target goes to the granted server only', async () => {
  const before = counts();
  const result = await probe('http', `127.0.0.1:${A.port}`, `http://127.0.0.2:${C.port}/smuggled`);
  // Whatever A makes of it, nothing reached C.
  assert.equal(C.hits.length, JSON.parse(before)[2][0]);
  assert.equal(C.connections, JSON.parse(before)[2][1]);
  assert.ok(!result.text.includes(`target ${C.port}`));
  await s.alive();
});

// ------------------------------------------------------------------ redirects

const redirects = [
  ['/to-port', 'another port', () => `127.0.0.1:${B.port}`],
  ['/to-host', 'another address', () => `127.0.0.2:${C.port}`],
  ['/to-name', 'the same server by name', () => `localhost:${A.port}`],
  ['/to-v6', 'IPv6 loopback', undefined],
] as const;

for (const [route, to, hint] of redirects) {
  test(`redirect from the granted server to ${to}: a following client is checked again at every hop`, async () => {
    await s.deck.grantPermission('probe', { kind: 'network', host: `http://127.0.0.1:${A.port}` });
    const others = JSON.stringify([B, C, V6].map((t) => [t.hits.length, t.connections]));
    const aBefore = A.hits.length;
    const result = await probe('http', `127.0.0.1:${A.port}`, route);
    assert.ok(failed(result), JSON.stringify(result));
    if (hint) assert.ok(result.denials.some((d) => d.endsWith(`grant network probe ${hint()}`)), JSON.stringify(result.denials));
    assert.deepEqual(A.hits.slice(aBefore).map((h) => h.url), [route]);
    assert.equal(JSON.stringify([B, C, V6].map((t) => [t.hits.length, t.connections])), others, 'the redirect target was reached');
    await s.alive();
  });
}

test('redirects: the fetch example does not follow them to another host', async () => {
  const others = JSON.stringify([B, C, V6].map((t) => [t.hits.length, t.connections]));
  for (const [route] of redirects) {
    const result = await fetchUrl(`http://127.0.0.1:${A.port}${route}`);
    assert.ok(!result.text.includes('target'), JSON.stringify(result));
  }
  assert.equal(JSON.stringify([B, C, V6].map((t) => [t.hits.length, t.connections])), others);
  await s.alive();
});

test('a redirect within the granted server is followed', async () => {
  const result = await probe('http', `127.0.0.1:${A.port}`, '/to-relative');
  assert.deepEqual(result.structured, { result: { ok: `200 target ${A.port} /landed` } }, JSON.stringify(result));
  await s.alive();
});

// ------------------------------------------------------------------ raw sockets, DNS, revocation

test('raw TCP sockets are refused (not an HTTP request, so not covered by any grant)', async () => {
  const result = await s.call('tcp');
  assert.equal(result.text, '2', 'expected error-code access-denied');
  assert.ok(result.denials.some((d) => /raw TCP sockets are not available to components — grant it with: use HTTP/.test(d)), JSON.stringify(result));
  await s.alive();
});

test('DNS lookups are refused', async () => {
  const result = await s.call('dns');
  assert.equal(result.text, '2', 'expected error-code access-denied');
  assert.ok(result.denials.some((d) => /raw DNS lookup sockets are not available/.test(d)), JSON.stringify(result));
  await s.alive();
});

denied('raw UDP sockets are refused', () => s.call('udp'), () => /raw UDP sockets are not available/);

test('a revoked network grant is refused from the next call on', async () => {
  await s.deck.grantPermission('fetch', { kind: 'network', host: `127.0.0.2:${C.port}` });
  const allowed = await fetchUrl(`http://127.0.0.2:${C.port}/granted`);
  assert.equal(failed(allowed), false, JSON.stringify(allowed));
  assert.equal(C.hits.length, 1);
  await s.deck.revokePermission('fetch', { kind: 'network', host: `127.0.0.2:${C.port}` });
  const after = await fetchUrl(`http://127.0.0.2:${C.port}/revoked`);
  assert.ok(failed(after));
  assert.ok(after.denials.some((d) => d.endsWith(`grant network fetch 127.0.0.2:${C.port}`)));
  assert.deepEqual(C.hits.map((h) => h.url), ['/granted']);
  await s.alive();
});

test('a component with no network grant reaches nothing, not even the server that others may reach', async () => {
  await s.deck.revokePermission('probe', { kind: 'network', host: `http://127.0.0.1:${A.port}` });
  const before = counts();
  const result = await probe('http', `127.0.0.1:${A.port}`);
  assert.ok(failed(result));
  assert.ok(result.denials.some((d) => d.endsWith(`grant network probe 127.0.0.1:${A.port}`)));
  assert.equal(counts(), before);
  await s.alive();
});
