/** `tapedeck registry search|get`: the built-in component catalog (the same one the search-components tool uses). */
import type { Command } from 'commander';
import { CliContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { renderTable } from '../output.js';
import { loadOutput, normaliseComponentUri } from './component.js';

async function catalog() {
  return import('../../server/catalog.js');
}

export function registerRegistry(program: Command): void {
  const registry = program.command('registry').description('Search the component catalog and load components from it');

  registry
    .command('search')
    .description('Search the catalog by name, description or URI (all entries without a query)')
    .argument('[query]', 'words to look for')
    .action(async (query: string | undefined, _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const { searchCatalog } = await catalog();
      const components = searchCatalog(query).map(({ name, description, uri }) => ({ name, description, uri }));
      await ctx.print({
        data: { status: 'Component list found', components },
        table: () =>
          renderTable(
            ['Name', 'Description', 'URI'],
            components.map((c) => [c.name, c.description, c.uri]),
            { empty: `No catalog entry matches '${query ?? ''}'.` },
          ),
      });
    });

  registry
    .command('get')
    .description('Load a catalog component by name (or load a URI directly)')
    .argument('<name-or-uri>', "catalog name (e.g. 'Time Server') or a component URI")
    .option('--accept-policy', 'apply the policy shipped with the artifact')
    .action(async (nameOrUri: string, opts: { acceptPolicy?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      let uri: string;
      if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(nameOrUri)) {
        uri = normaliseComponentUri(nameOrUri);
      } else {
        const { findCatalogEntry, searchCatalog } = await catalog();
        const entry = findCatalogEntry(nameOrUri);
        if (!entry) {
          const suggestions = searchCatalog(nameOrUri).slice(0, 3).map((e) => `'${e.name}'`);
          throw new NotFoundError(
            `Component '${nameOrUri}' not found in the catalog` + (suggestions.length ? `; did you mean ${suggestions.join(', ')}?` : '; see: tapedeck registry search'),
          );
        }
        uri = entry.uri;
      }
      const result = await ctx.withDeck((deck) => deck.loadComponent(uri, { acceptPolicy: opts.acceptPolicy }));
      for (const warning of result.warnings) ctx.note(`warning: ${warning}`);
      await ctx.print(loadOutput(result));
    });
}
