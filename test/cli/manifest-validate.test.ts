import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { json, sandbox, show, type Sandbox } from './helpers.js';

let box: Sandbox;
before(async () => {
  box = await sandbox();
});
after(async () => {
  await box.cleanup();
});

async function validate(text: string) {
  const file = join(box.dir, 'tapedeck.yaml');
  await writeFile(file, text);
  return box.run(['manifest', 'validate', 'tapedeck.yaml']);
}

test("a Wassette-format manifest validates (Wassette's own test manifests)", async () => {
  const r = await validate(`version: 1
components:
  - uri: oci://ghcr.io/microsoft/get-weather-js:1.2.3
    name: weather-service
    digest: sha256:1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef
    permissions:
      network:
        allow:
          - host: api.openweathermap.com
      environment:
        allow:
          - key: OPENWEATHER_API_KEY
            value_from: OWM_KEY
  - uri: file:///opt/components/component2.wasm
    permissions:
      storage:
        allow:
          - uri: fs:///tmp/data
            access: [read, write]
      resources:
        memory_bytes: 268435456
        cpu_time_ms: 5000
    retry_policy: {attempts: 3, backoff: {type: exponential, base_ms: 100}}
`);
  assert.equal(r.code, 0, show(r));
  const out = json<{ status: string; components: unknown[] }>(r);
  assert.equal(out.status, 'manifest is valid');
  assert.equal(out.components.length, 2);
  assert.match(r.stderr, /retry_policy is accepted for compatibility and ignored/);
});

test('manifest errors name the file, line, component index and field (exit 2)', async () => {
  const cases: [string, RegExp][] = [
    ['version: 2\ncomponents: []\n', /^Error: invalid manifest tapedeck\.yaml, line 1: version: unsupported manifest version 2; only version 1 is supported/],
    ['version: 1\ncomponents: []\n', /^Error: invalid manifest tapedeck\.yaml, line 2: components: the manifest must declare at least one component/],
    ['components:\n  - uri: file:///a.wasm\n', /^Error: invalid manifest tapedeck\.yaml, line 1: missing "version: 1"/],
    ['version: 1\ncomponents:\n  - name: x\n', /^Error: invalid manifest tapedeck\.yaml, line 3: components\[0\]: missing "uri"/],
    [
      'version: 1\ncomponents:\n  - uri: file:///a.wasm\n  - uri: invalid://x\n',
      /^Error: invalid manifest tapedeck\.yaml, line 4: components\[1\]\.uri: Unsupported URI scheme 'invalid'\. Use 'file:\/\/', 'https:\/\/' or 'oci:\/\/'/,
    ],
    ['version: 1\ncomponents:\n  - uri: http://x/a.wasm\n', /components\[0\]\.uri: unsupported URI scheme 'http'/],
    ['version: 1\ncomponents:\n  - uri: oci://r/a:1\n    digest: md5:abc\n', /^Error: invalid manifest tapedeck\.yaml, line 4: components\[0\]\.digest: "digest" must be sha256:<64 hex digits>/],
    ['version: 1\ncomponents:\n  - uri: oci://r/a:1\n    permisions: {}\n', /line 4: components\[0\]\.permisions: unknown field 'permisions'/],
    ['version: 1\ncomponents:\n  - uri: oci://r/a:1\n    name: "bad id"\n', /line 4: components\[0\]\.name: "name" is the component id/],
    ['version: 1\ncomponents:\n  - uri: oci://r/a:1\n  - uri: oci://r/a:1\n', /line 4: components\[1\]\.uri: duplicate component URI; components\[0\] already loads/],
    ['version: 1\ncomponents:\n  - uri: oci://r/a:1\n    name: a\n  - uri: oci://r/b:1\n    name: a\n', /line 6: components\[1\]\.name: duplicate name 'a'/],
    [
      'version: 1\ncomponents:\n  - uri: oci://r/a:1\n    permissions:\n      network:\n        allow:\n          - host: "*.*.example.com"\n',
      /^Error: invalid manifest tapedeck\.yaml, line 7: components\[0\]\.permissions\.network\.allow\[0\]\.host: /,
    ],
    [
      'version: 1\ncomponents:\n  - uri: oci://r/a:1\n    permissions:\n      storage:\n        allow:\n          - uri: fs:///tmp\n            access: [exec]\n',
      /line 8: components\[0\]\.permissions\.storage\.allow\[0\]\.access: /,
    ],
    [
      'version: 1\ncomponents:\n  - uri: oci://r/a:1\n    permissions:\n      environment:\n        allow:\n          - key: A\n          - key: A\n',
      /line 8: components\[0\]\.permissions\.environment\.allow\[1\]\.key: duplicate environment variable key 'A'/,
    ],
    ['version: 1\ncomponents:\n  - uri: oci://r/a:1\n    permissions:\n      gpu: {}\n', /line 5: components\[0\]\.permissions\.gpu: unknown permission type 'gpu'/],
    ['version: 1\ncomponents:\n  - uri: oci://r/a:1\n    permissions:\n      resources:\n        limits:\n          memory: lots\n', /line 7: components\[0\]\.permissions\.resources\.limits\.memory: /],
    ['version: 1\ncomponents: [\n', /^Error: invalid manifest tapedeck\.yaml, line \d+, column \d+: invalid YAML/],
    ['- just\n- a list\n', /^Error: invalid manifest tapedeck\.yaml, line 1: a manifest is a mapping/],
  ];
  for (const [text, pattern] of cases) {
    const r = await validate(text);
    assert.equal(r.code, 2, `${text}\n${show(r)}`);
    assert.match(r.stderr, pattern, text);
  }
});

test('a missing manifest file: exit 2', async () => {
  const r = await box.run(['manifest', 'validate', 'nope.yaml']);
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stderr, 'Error: manifest nope.yaml not found\n');
});

test('run --manifest with an invalid manifest fails before starting (exit 2)', async () => {
  await writeFile(join(box.dir, 'bad.yaml'), 'version: 1\ncomponents:\n  - uri: ftp://x\n');
  const r = await box.run(['run', '--manifest', 'bad.yaml'], { timeoutMs: 20_000 });
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /Error: invalid manifest bad\.yaml, line 3: components\[0\]\.uri: Unsupported URI scheme 'ftp'/);
  assert.equal(r.stdout, '');
});
