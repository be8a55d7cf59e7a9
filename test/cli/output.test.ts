/** Unit tests of the CLI's formatting helpers (no subprocess). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render, renderTable, resolveFormat } from '../../src/cli/output.js';
import { exitCodeFor, formatError, NotFoundError, UsageError } from '../../src/cli/errors.js';
import { prettyLine } from '../../src/cli/logger.js';
import { endpointUrl, banner } from '../../src/cli/commands/serve.js';
import { normaliseComponentUri } from '../../src/cli/commands/component.js';
import { policyRows } from '../../src/cli/commands/policy.js';

test('resolveFormat: table on a terminal when the command has one, JSON otherwise; -o wins', () => {
  assert.equal(resolveFormat(undefined, true, true), 'table');
  assert.equal(resolveFormat(undefined, true, false), 'json');
  assert.equal(resolveFormat(undefined, false, true), 'json');
  assert.equal(resolveFormat('YAML', true, true), 'yaml');
  assert.throws(() => resolveFormat('xml', true, true), UsageError);
});

test('renderTable: Wassette-style columns', () => {
  assert.equal(
    renderTable(['ID', 'Tools', 'Description'], [['time-component', '1', 'Provides time-related functions']]),
    'ID             | Tools | Description\n' + '---------------|-------|--------------------------------\n' + 'time-component | 1     | Provides time-related functions\n',
  );
  assert.equal(renderTable(['A'], [], { empty: 'nothing' }), 'nothing\n');
  assert.equal(renderTable(['A', 'B'], [['multi\nline', 'x']]).split('\n')[2], 'multi line | x');
});

test('render: json is pretty, yaml is yaml, table falls back to yaml', async () => {
  assert.equal(await render({ data: { a: 1 } }, 'json'), '{\n  "a": 1\n}\n');
  assert.equal(await render({ data: { a: [1] } }, 'yaml'), 'a:\n  - 1\n');
  assert.equal(await render({ data: { a: 1 } }, 'table'), 'a: 1\n');
  assert.equal(await render({ data: {}, table: () => 'x' }, 'table'), 'x\n');
});

test('errors: one Error: line, exit codes by kind', () => {
  assert.equal(formatError(new Error('boom')), 'Error: boom');
  assert.equal(formatError(new Error('Error: already prefixed')), 'Error: already prefixed');
  assert.equal(exitCodeFor(new UsageError('x')), 2);
  assert.equal(exitCodeFor(new NotFoundError('x')), 3);
  class ComponentNotFoundError extends Error {}
  assert.equal(exitCodeFor(new ComponentNotFoundError('x')), 3);
  class SourceError extends Error {
    constructor(readonly code: string) {
      super('s');
    }
  }
  assert.equal(exitCodeFor(new SourceError('unsupported-scheme')), 2);
  assert.equal(exitCodeFor(new SourceError('not-found')), 3);
  assert.equal(exitCodeFor(new SourceError('fetch-failed')), 1);
  const policy = new Error('p');
  policy.name = 'PolicyError';
  assert.equal(exitCodeFor(policy), 2);
  assert.equal(exitCodeFor(new Error('other')), 1);
  assert.equal(exitCodeFor('not an error'), 1);
});

test('prettyLine: readable log lines for terminals', () => {
  const line = prettyLine(JSON.stringify({ level: 40, time: Date.UTC(2025, 0, 1, 12, 34, 56), name: 'tapedeck', msg: 'component worker replaced', component: 'x', reason: 'call exceeded 1000 ms' }));
  assert.equal(line, '12:34:56 WARN  component worker replaced  component=x reason="call exceeded 1000 ms"\n');
  assert.equal(prettyLine('not json'), 'not json\n');
});

test('endpointUrl and banner', () => {
  assert.equal(endpointUrl('http://127.0.0.1:9001', 'streamable-http'), 'http://127.0.0.1:9001/mcp');
  assert.equal(endpointUrl('http://0.0.0.0:8080', 'sse'), 'http://127.0.0.1:8080/sse');
  assert.equal(endpointUrl('http://[::]:8080', 'streamable-http'), 'http://[::1]:8080/mcp');
  const text = banner('http://127.0.0.1:9001/mcp', 'streamable-http', 1, 2, 13, true);
  assert.match(text, /1 component, 2 tools \(\+13 built-in\), MCP over streamable HTTP/);
  assert.match(text, /Authorization: Bearer/);
});

test('normaliseComponentUri: relative file:// URIs become absolute', () => {
  assert.equal(normaliseComponentUri('file://./x.wasm', '/work'), 'file:///work/x.wasm');
  assert.equal(normaliseComponentUri('file://x.wasm', '/work'), 'file:///work/x.wasm');
  assert.equal(normaliseComponentUri('file:///abs/x.wasm', '/work'), 'file:///abs/x.wasm');
  assert.equal(normaliseComponentUri('oci://r/x:1', '/work'), 'oci://r/x:1');
  assert.equal(normaliseComponentUri('x.wasm', '/work'), 'x.wasm');
});

test('policyRows: one row per rule, legacy memory in MiB, unenforced parts labelled', () => {
  assert.deepEqual(
    policyRows({
      permissions: {
        storage: { allow: [{ uri: 'fs:///a', access: ['read'] }] },
        network: { allow: [{ host: 'x.com' }, { cidr: '10.0.0.0/8' }], deny: [{ cidr: '0.0.0.0/0' }] },
        environment: { allow: [{ key: 'K' }] },
        resources: { memory: 64, limits: { cpu: '500m', timeout: '5s' } },
      },
    }),
    [
      ['storage', 'fs:///a', 'read'],
      ['network', 'x.com', 'allow'],
      ['network', '10.0.0.0/8', 'allow'],
      ['network', '0.0.0.0/0', 'deny (not enforced)'],
      ['environment', 'K', 'allow'],
      ['memory', '64Mi', 'limit'],
      ['timeout', '5s', 'limit'],
      ['cpu', '500m', 'limit (not enforced)'],
    ],
  );
});
