/** The shipped component catalog and Wassette's search scoring. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG_PATH, findCatalogEntry, loadCatalog, scoreEntry, searchCatalog, type CatalogEntry } from '../../src/server/catalog.js';
import { repoRoot } from './helpers.js';

test('the shipped catalog lists the example components under oci://ghcr.io/tapedeck-dev/components/<id>:latest', () => {
  assert.equal(CATALOG_PATH, join(repoRoot, 'registry/components.json'));
  const entries = loadCatalog();
  assert.deepEqual(
    entries.map((e) => e.uri),
    ['time-server', 'calculator', 'filesystem', 'fetch', 'minimal', 'env-reader'].map((id) => `oci://ghcr.io/tapedeck-dev/components/${id}:latest`),
  );
  for (const e of entries) {
    assert.ok(e.name.length > 0 && e.description.length > 20, `${e.uri} has a name and a description`);
  }
});

test('scoring: name exact +100, prefix +50, contains +20; description prefix +15, contains +10; uri contains +5 (case-insensitive)', () => {
  const e: CatalogEntry = { name: 'Weather', description: 'Weather forecasts for a city', uri: 'oci://example.com/weather:1' };
  assert.equal(scoreEntry(e, 'weather'), 100 + 15 + 5);
  assert.equal(scoreEntry(e, 'WEA'), 50 + 15 + 5);
  assert.equal(scoreEntry(e, 'ather'), 20 + 10 + 5);
  assert.equal(scoreEntry(e, 'city'), 10);
  assert.equal(scoreEntry(e, 'example.com'), 5);
  assert.equal(scoreEntry(e, 'nothing'), 0);
});

test('search: best first, ties by name, zero scores dropped, no query returns everything in catalog order', () => {
  const entries: CatalogEntry[] = [
    { name: 'Zeta fetch helper', description: 'helps', uri: 'oci://r/zeta' },
    { name: 'Fetch', description: 'Fetch a URL', uri: 'oci://r/fetch' },
    { name: 'Alpha', description: 'uses fetch internally', uri: 'oci://r/alpha' },
    { name: 'Beta', description: 'nothing relevant', uri: 'oci://r/beta-fetch' },
    { name: 'Gamma', description: 'unrelated', uri: 'oci://r/gamma' },
  ];
  assert.deepEqual(
    searchCatalog('fetch', entries).map((e) => e.name),
    ['Fetch', 'Zeta fetch helper', 'Alpha', 'Beta'],
  );
  assert.deepEqual(searchCatalog('  ', entries).map((e) => e.name), entries.map((e) => e.name));
  assert.deepEqual(searchCatalog(undefined, entries).length, 5);
  assert.deepEqual(searchCatalog('zzz', entries), []);
  // The shipped catalog.
  assert.deepEqual(searchCatalog('calc').map((e) => e.name), ['Calculator']);
  assert.equal(searchCatalog('env-reader')[0].uri, 'oci://ghcr.io/tapedeck-dev/components/env-reader:latest');
  assert.equal(findCatalogEntry('time server')?.uri, 'oci://ghcr.io/tapedeck-dev/components/time-server:latest');
  assert.equal(findCatalogEntry('oci://ghcr.io/tapedeck-dev/components/fetch:latest')?.name, 'Fetch');
  assert.equal(findCatalogEntry('nope'), undefined);
});

test('a malformed catalog file is reported with its path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'catalog-'));
  try {
    const path = join(dir, 'c.json');
    await writeFile(path, JSON.stringify([{ name: 'x', description: 'y' }]));
    assert.throws(() => loadCatalog(path), /entry 0 needs string fields name, description and uri/);
    await writeFile(path, '{"not": "an array"}');
    assert.throws(() => loadCatalog(path), /expected a JSON array/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
