import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  analyseHost,
  checkNetworkAccess,
  compileNetworkRules,
  formatHostRule,
  networkGrantFor,
  normaliseCidr,
  normaliseHost,
  normaliseHostEntry,
  parseHostRule,
  type NetworkRequest,
} from '../../src/policy/network.js';
import { cidrContains, formatIp, parseCidr, parseIp, parseIPv6 } from '../../src/policy/ip.js';
import { grant } from '../../src/policy/grants.js';
import type { NetworkPermission, Policy } from '../../src/policy/types.js';

function policyWith(...allow: (string | { cidr: string })[]): Policy {
  const entries: NetworkPermission[] = allow.map((a) => (typeof a === 'string' ? { host: a } : a));
  return { version: '1.0', permissions: { network: { allow: entries } } };
}

function allowed(policy: Policy, url: string): string | false {
  const u = new URL(url);
  const request: NetworkRequest = { scheme: u.protocol, host: u.hostname, port: u.port ? Number(u.port) : undefined };
  const decision = checkNetworkAccess(policy, request);
  return decision.allowed ? decision.rule : false;
}

function req(scheme: string, host: string, port?: number): NetworkRequest {
  return { scheme, host, port };
}

// ---------------------------------------------------------- normaliseHost

test('normaliseHost: canonical forms', () => {
  assert.equal(normaliseHost('API.Example.COM'), 'api.example.com');
  assert.equal(normaliseHost('api.example.com.'), 'api.example.com');
  assert.equal(normaliseHost('bücher.example'), 'xn--bcher-kva.example');
  assert.equal(normaliseHost('127.1'), '127.0.0.1');
  assert.equal(normaliseHost('0x7f.0.0.1'), '127.0.0.1');
  assert.equal(normaliseHost('2130706433'), '127.0.0.1');
  assert.equal(normaliseHost('::1'), '[::1]');
  assert.equal(normaliseHost('[0:0:0:0:0:0:0:1]'), '[::1]');
  assert.equal(normaliseHost('[2001:DB8::0:1]'), '[2001:db8::1]');
  assert.equal(normaliseHost('[::ffff:10.0.0.1]'), '10.0.0.1');
  assert.equal(normaliseHost('::ffff:a00:1'), '10.0.0.1');
  assert.equal(normaliseHost('under_score.example'), 'under_score.example');
});

test('normaliseHost: invalid hosts are undefined, with a reason', () => {
  const problem = (h: string) => {
    const r = analyseHost(h);
    return 'problem' in r ? r.problem : `accepted as ${r.host}`;
  };
  assert.equal(problem(''), 'is empty');
  assert.equal(problem('user@api.example.com'), 'contains user info ("user@"); give only the host');
  assert.equal(problem('api.example.com\n'), 'contains whitespace or control characters');
  assert.equal(problem('api .example.com'), 'contains whitespace or control characters');
  assert.equal(problem('api.example.com\u0000'), 'contains whitespace or control characters');
  assert.equal(problem('api.example.com/x'), 'contains "/", which is not allowed in a host name');
  assert.equal(problem('api.example.com\\x'), 'contains "\\", which is not allowed in a host name');
  assert.equal(problem('%61pi.example.com'), 'contains "%", which is not allowed in a host name');
  assert.equal(problem('api.example.com:443'), 'contains ":"; a port goes in a separate field (grants take "host:port") and IPv6 addresses need brackets');
  assert.equal(problem('api.example.com..'), 'has an empty label (a leading dot, ".." or more than one trailing dot)');
  assert.equal(problem('.example.com'), 'has an empty label (a leading dot, ".." or more than one trailing dot)');
  assert.equal(problem(`${'a'.repeat(64)}.com`), 'has a label longer than 63 characters');
  assert.equal(problem(`${'a.'.repeat(127)}com`), 'is longer than 253 characters');
  assert.equal(problem('x'.repeat(300)), 'is longer than 253 characters');
  assert.equal(problem('1.2.3.4.5'), 'is not a valid host name or IP address');
  assert.equal(problem('[::1'), 'is not an IPv6 address');
  assert.equal(problem('[fe80::1%25eth0]'), 'contains "%", which is not allowed in a host name');
  assert.equal(problem('a!b.com'), 'contains characters that are not allowed in a host name');
  assert.equal(normaliseHost('*.example.com'), undefined);
  // 253 characters is still fine.
  const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
  assert.equal(longest.length, 253);
  assert.equal(normaliseHost(longest), longest);
  assert.equal(normaliseHost(`${longest}.`), longest);
});

// --------------------------------------------------------------- entries

test('host entries normalise to a canonical text', () => {
  assert.equal(normaliseHostEntry('HTTPS://API.X.com/'), 'https://api.x.com');
  assert.equal(normaliseHostEntry('https://api.x.com:443/v1?q=1'), 'https://api.x.com');
  assert.equal(normaliseHostEntry('https://api.x.com:8443/'), 'https://api.x.com:8443');
  assert.equal(normaliseHostEntry('api.x.com.:8443'), 'api.x.com:8443');
  assert.equal(normaliseHostEntry('api.x.com:443'), 'api.x.com:443');
  assert.equal(normaliseHostEntry('*.X.com'), '*.x.com');
  assert.equal(normaliseHostEntry('::1'), '[::1]');
  assert.equal(normaliseHostEntry('[::1]:8080'), '[::1]:8080');
  assert.equal(normaliseHostEntry('*'), '*');
  assert.equal(normaliseHostEntry('a*b'), undefined);
  assert.deepEqual(parseHostRule('*.x.com:8443'), { rule: { kind: 'wildcard', suffix: 'x.com', scheme: undefined, port: 8443 } });
  assert.equal(formatHostRule({ kind: 'exact', host: '10.0.0.1', scheme: 'http', port: 8080 }), 'http://10.0.0.1:8080');
  assert.equal(normaliseCidr('10.1.2.3/8'), '10.0.0.0/8');
  assert.equal(normaliseCidr('FD00:0::1/8'), 'fd00::/8');
  assert.equal(normaliseCidr('10.0.0.0'), undefined);
});

// -------------------------------------------------------------- matching

test('exact host: same host on the default ports only', () => {
  const policy = policyWith('api.example.com');
  assert.equal(allowed(policy, 'https://api.example.com/v1/data'), 'api.example.com');
  assert.equal(allowed(policy, 'http://api.example.com/'), 'api.example.com');
  assert.equal(allowed(policy, 'https://api.example.com:443/'), 'api.example.com');
  assert.equal(checkNetworkAccess(policy, req('https', 'api.example.com', 443)).allowed, true);
  // Other ports, including the other scheme's default.
  assert.equal(allowed(policy, 'https://api.example.com:8443/'), false);
  assert.equal(allowed(policy, 'http://api.example.com:443/'), false);
  assert.equal(allowed(policy, 'https://api.example.com:80/'), false);
  // Not subdomains, parents or look-alikes.
  assert.equal(allowed(policy, 'https://www.api.example.com/'), false);
  assert.equal(allowed(policy, 'https://example.com/'), false);
  assert.equal(allowed(policy, 'https://api.example.com.evil.com/'), false);
  assert.equal(allowed(policy, 'https://evilapi.example.com/'), false);
  assert.equal(allowed(policy, 'https://api.example.co/'), false);
});

test('case and one trailing dot do not matter, on either side', () => {
  assert.equal(allowed(policyWith('api.example.com'), 'https://API.EXAMPLE.COM./'), 'api.example.com');
  assert.equal(checkNetworkAccess(policyWith('API.Example.com.'), req('https', 'api.example.com')).allowed, true);
  assert.equal(checkNetworkAccess(policyWith('api.example.com'), req('HTTPS:', 'Api.Example.Com.')).allowed, true);
  assert.equal(checkNetworkAccess(policyWith('api.example.com'), req('https', 'api.example.com..')).allowed, false);
});

test('host:port entries allow exactly that port, any scheme', () => {
  const policy = policyWith('api.example.com:8443', 'localhost:8080');
  assert.equal(allowed(policy, 'https://api.example.com:8443/'), 'api.example.com:8443');
  assert.equal(allowed(policy, 'http://api.example.com:8443/'), 'api.example.com:8443');
  assert.equal(allowed(policy, 'https://api.example.com/'), false);
  assert.equal(allowed(policy, 'https://api.example.com:8444/'), false);
  assert.equal(allowed(policy, 'http://localhost:8080/'), 'localhost:8080');
  assert.equal(allowed(policy, 'http://localhost/'), false);
  assert.equal(allowed(policy, 'http://localhost:8081/'), false);
  // An explicit default port in the entry is just that port.
  assert.equal(allowed(policyWith('api.example.com:443'), 'https://api.example.com/'), 'api.example.com:443');
  assert.equal(allowed(policyWith('api.example.com:443'), 'http://api.example.com/'), false);
});

test('entries with a scheme require that scheme (path ignored)', () => {
  const policy = policyWith('https://api.example.com/v1/');
  assert.equal(allowed(policy, 'https://api.example.com/other'), 'https://api.example.com/v1/');
  assert.equal(allowed(policy, 'http://api.example.com/v1/'), false);
  assert.equal(allowed(policy, 'https://api.example.com:8443/'), false);
  assert.equal(checkNetworkAccess(policy, req('wss', 'api.example.com')).allowed, false);
  const withPort = policyWith('http://127.0.0.1:8080');
  assert.equal(allowed(withPort, 'http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  assert.equal(allowed(withPort, 'https://127.0.0.1:8080/'), false);
  assert.equal(allowed(withPort, 'http://127.0.0.1/'), false);
});

test('wildcards match subdomains only, never the domain itself or look-alikes', () => {
  const policy = policyWith('*.example.com');
  assert.equal(allowed(policy, 'https://api.example.com/'), '*.example.com');
  assert.equal(allowed(policy, 'https://a.b.example.com/'), '*.example.com');
  assert.equal(allowed(policy, 'https://A.EXAMPLE.COM./'), '*.example.com');
  assert.equal(allowed(policy, 'https://example.com/'), false);
  assert.equal(allowed(policy, 'https://evilexample.com/'), false);
  assert.equal(allowed(policy, 'https://example.com.evil.com/'), false);
  assert.equal(allowed(policy, 'https://api.example.com.evil.com/'), false);
  assert.equal(allowed(policy, 'https://api.example.com:8443/'), false);
  assert.equal(allowed(policyWith('*.example.com:8443'), 'https://api.example.com:8443/'), '*.example.com:8443');
});

test('bare * allows everything valid, but never an invalid host', () => {
  const policy = policyWith('*');
  assert.equal(allowed(policy, 'https://anything.test:1234/'), '*');
  assert.equal(checkNetworkAccess(policy, req('http', '10.1.2.3', 22)).allowed, true);
  assert.equal(checkNetworkAccess(policy, req('https', '[::1]')).allowed, true);
  assert.equal(checkNetworkAccess(policy, req('https', 'user@evil.com')).allowed, false);
  assert.equal(checkNetworkAccess(policy, req('https', 'evil.com evil')).allowed, false);
  assert.equal(checkNetworkAccess(policy, req('https', 'x'.repeat(300))).allowed, false);
  assert.equal(checkNetworkAccess(policy, req('https', 'evil.com', 0)).allowed, false);
  assert.equal(checkNetworkAccess(policy, req('https', 'evil.com', 70000)).allowed, false);
  assert.equal(checkNetworkAccess(policy, req('https', 'evil.com', 1.5)).allowed, false);
});

test('userinfo, whitespace, control characters and very long hosts are never allowed', () => {
  const policy = policyWith('api.example.com', 'evil.com');
  for (const host of [
    'api.example.com@evil.com',
    'evil.com@api.example.com',
    'user:pass@api.example.com',
    'api.example.com ',
    ' api.example.com',
    'api.example.com\t',
    'api.example.com\r\nHost: evil.com',
    'api.example.com\u0000',
    'api.example.com\u007f',
    `${'a'.repeat(250)}.api.example.com`,
    'api.example.com/',
    'api.example.com#',
    'api.example.com?',
  ]) {
    assert.equal(checkNetworkAccess(policy, req('https', host)).allowed, false, JSON.stringify(host));
  }
});

test('IP literals vs names: never cross-match', () => {
  const names = policyWith('localhost', 'api.example.com');
  assert.equal(allowed(names, 'http://127.0.0.1/'), false);
  assert.equal(allowed(names, 'http://[::1]/'), false);
  const ips = policyWith('127.0.0.1', '[::1]:8080');
  assert.equal(allowed(ips, 'http://127.0.0.1/'), '127.0.0.1');
  assert.equal(allowed(ips, 'http://localhost/'), false);
  assert.equal(allowed(ips, 'http://[::1]:8080/'), '[::1]:8080');
  assert.equal(allowed(ips, 'http://[::1]/'), false);
  // Alternative spellings of the same address are the same literal.
  assert.equal(checkNetworkAccess(ips, req('http', '127.1')).allowed, true);
  assert.equal(checkNetworkAccess(ips, req('http', '2130706433')).allowed, true);
  assert.equal(checkNetworkAccess(ips, req('http', '0:0:0:0:0:0:0:1', 8080)).allowed, true);
  assert.equal(checkNetworkAccess(ips, req('http', '127.0.0.2')).allowed, false);
  // A name that merely starts with digits is still a name.
  assert.equal(checkNetworkAccess(policyWith('*.example.com'), req('https', '10.0.0.1.example.com')).allowed, true);
});

test('CIDR entries match IP literals (v4 and v6, brackets or not), any port; names never', () => {
  const policy = policyWith({ cidr: '10.0.0.0/8' }, { cidr: 'fd00::/8' }, { cidr: '192.168.1.0/24' });
  assert.equal(allowed(policy, 'http://10.1.2.3/'), '10.0.0.0/8');
  assert.equal(allowed(policy, 'http://10.255.255.255:9200/'), '10.0.0.0/8');
  assert.equal(allowed(policy, 'https://192.168.1.77/'), '192.168.1.0/24');
  assert.equal(allowed(policy, 'https://192.168.2.1/'), false);
  assert.equal(allowed(policy, 'http://11.0.0.1/'), false);
  assert.equal(allowed(policy, 'http://[fd12:3456::1]:8080/'), 'fd00::/8');
  assert.equal(checkNetworkAccess(policy, req('http', 'fd12:3456::1')).allowed, true);
  assert.equal(checkNetworkAccess(policy, req('http', '[fd12:3456::1]')).allowed, true);
  assert.equal(allowed(policy, 'http://[fe80::1]/'), false);
  // IPv4-mapped IPv6 is the IPv4 address.
  assert.equal(checkNetworkAccess(policy, req('http', '::ffff:10.0.0.9')).allowed, true);
  assert.equal(checkNetworkAccess(policy, req('http', '::ffff:172.16.0.1')).allowed, false);
  // Names never match a CIDR (no DNS lookups).
  assert.equal(allowed(policy, 'http://internal.corp/'), false);
  assert.equal(allowed(policy, 'http://10.0.0.1.nip.io/'), false);
  // A v4 range does not match v6 and the reverse.
  assert.equal(checkNetworkAccess(policyWith({ cidr: '0.0.0.0/0' }), req('http', '::2')).allowed, false);
  assert.equal(checkNetworkAccess(policyWith({ cidr: '::/0' }), req('http', '1.2.3.4')).allowed, false);
  assert.equal(checkNetworkAccess(policyWith({ cidr: '0.0.0.0/0' }), req('http', '1.2.3.4')).allowed, true);
});

test('deny lists are not enforced and no policy allows nothing', () => {
  const policy: Policy = {
    version: '1.0',
    permissions: { network: { allow: [{ cidr: '10.0.0.0/8' }], deny: [{ cidr: '0.0.0.0/0' }, { host: '*' }] } },
  };
  assert.equal(checkNetworkAccess(policy, req('http', '10.0.0.1')).allowed, true);
  assert.deepEqual(checkNetworkAccess(undefined, req('https', 'api.example.com')), { allowed: false });
  assert.deepEqual(checkNetworkAccess({ version: '1.0', permissions: {} }, req('https', 'api.example.com')), { allowed: false });
});

test('schemes without a default port: a port needs a host:port entry', () => {
  const policy = policyWith('db.example.com', 'cache.example.com:6379');
  assert.equal(checkNetworkAccess(policy, req('postgres', 'db.example.com')).allowed, true);
  assert.equal(checkNetworkAccess(policy, req('postgres', 'db.example.com', 5432)).allowed, false);
  assert.equal(checkNetworkAccess(policy, req('redis', 'cache.example.com', 6379)).allowed, true);
});

test('invalid entries in a hand-built policy match nothing', () => {
  const policy = policyWith('a*b.com', 'user@x.com', { cidr: 'nonsense' });
  assert.equal(checkNetworkAccess(policy, req('https', 'axb.com')).allowed, false);
  assert.equal(checkNetworkAccess(policy, req('https', 'x.com')).allowed, false);
  assert.equal(checkNetworkAccess({ version: '1.0', permissions: { network: { allow: [null as any, 5 as any] } } }, req('https', 'x.com')).allowed, false);
});

test('compileNetworkRules gives the same decisions as checkNetworkAccess', () => {
  const policy = policyWith('api.example.com', '*.cdn.example', { cidr: '10.0.0.0/8' });
  const matcher = compileNetworkRules(policy);
  for (const request of [req('https', 'api.example.com'), req('https', 'a.cdn.example'), req('http', '10.0.0.1', 81), req('https', 'cdn.example')]) {
    assert.deepEqual(matcher(request), checkNetworkAccess(policy, request));
  }
  assert.deepEqual(matcher(req('https', 'a.cdn.example')), { allowed: true, rule: '*.cdn.example' });
});

// ------------------------------------------------------- networkGrantFor

test('networkGrantFor gives the minimal host to grant', () => {
  assert.equal(networkGrantFor(req('https', 'API.X.com')), 'api.x.com');
  assert.equal(networkGrantFor(req('https', 'api.x.com', 443)), 'api.x.com');
  assert.equal(networkGrantFor(req('http', 'api.x.com', 80)), 'api.x.com');
  assert.equal(networkGrantFor(req('https', 'api.x.com', 8443)), 'api.x.com:8443');
  assert.equal(networkGrantFor(req('http', 'api.x.com', 443)), 'api.x.com:443');
  assert.equal(networkGrantFor(req('http', '::1', 8080)), '[::1]:8080');
  assert.equal(networkGrantFor(req('http', '[::1]')), '[::1]');
  assert.equal(networkGrantFor(req('https:', '127.1')), '127.0.0.1');
  assert.equal(networkGrantFor(req('https', 'user@evil.com')), 'user@evil.com');
});

test('granting networkGrantFor(request) allows that request and not its neighbours', () => {
  const requests = [
    req('https', 'api.x.com'),
    req('http', 'api.x.com'),
    req('https', 'api.x.com', 8443),
    req('http', 'api.x.com', 443),
    req('http', '127.0.0.1', 8080),
    req('https', '::1'),
    req('http', '[2001:db8::5]', 9000),
    req('https', 'Bücher.Example.'),
    req('redis', 'cache.x.com', 6379),
  ];
  for (const request of requests) {
    const policy = grant(undefined, { kind: 'network', host: networkGrantFor(request) });
    assert.equal(checkNetworkAccess(policy, request).allowed, true, JSON.stringify(request));
    const other = { ...request, port: (request.port ?? 443) + 1 };
    assert.equal(checkNetworkAccess(policy, other).allowed, false, `neighbour of ${JSON.stringify(request)}`);
    assert.equal(checkNetworkAccess(policy, { ...request, host: `evil.${normaliseHost(request.host)!.replace(/^\[|\]$/g, 'x')}` }).allowed, false);
  }
});

// --------------------------------------------------------------------- ip

test('ip helpers: IPv6 parsing with compression and embedded IPv4', () => {
  assert.deepEqual(parseIPv6('::'), Array(16).fill(0));
  assert.deepEqual(parseIPv6('::1'), [...Array(15).fill(0), 1]);
  assert.deepEqual(parseIPv6('1::'), [0, 1, ...Array(14).fill(0)]);
  assert.deepEqual(parseIPv6('::ffff:1.2.3.4'), [...Array(10).fill(0), 255, 255, 1, 2, 3, 4]);
  assert.deepEqual(parseIPv6('1:2:3:4:5:6:1.2.3.4'), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]);
  assert.deepEqual(parseIPv6('1::1.2.3.4'), [0, 1, ...Array(10).fill(0), 1, 2, 3, 4]);
  assert.equal(parseIPv6('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(parseIPv6('fe80::1%eth0'), undefined);
  assert.equal(parseIPv6('1.2.3.4'), undefined);
  assert.equal(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(formatIp(parseIp('1:0:0:2:0:0:0:3')!), '1:0:0:2::3');
  assert.equal(formatIp(parseIp('1:2:3:4:5:6:7:8')!), '1:2:3:4:5:6:7:8');
  assert.equal(parseIp('010.0.0.1'), undefined);
  const cidr = parseCidr('10.128.0.0/9');
  assert.ok('cidr' in cidr);
  assert.equal(cidrContains(cidr.cidr, parseIp('10.200.0.1')!), true);
  assert.equal(cidrContains(cidr.cidr, parseIp('10.127.255.255')!), false);
  const odd = parseCidr('2001:db8::/33');
  assert.ok('cidr' in odd);
  assert.equal(cidrContains(odd.cidr, parseIp('2001:db8:7fff::1')!), true);
  assert.equal(cidrContains(odd.cidr, parseIp('2001:db8:8000::1')!), false);
});

test('defaultPort knows the web schemes only', async () => {
  const { defaultPort } = await import('../../src/policy/network.js');
  assert.deepEqual(['http', 'HTTPS:', 'ws', 'wss', 'ftp'].map(defaultPort), [80, 443, 80, 443, undefined]);
});
