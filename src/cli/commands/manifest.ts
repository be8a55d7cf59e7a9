/**
 * `tapedeck manifest validate|apply <file>`: the provisioning that
 * `serve --manifest` does at start, on its own (e.g. in an init container, or
 * to check a manifest in CI).
 */
import type { Command } from 'commander';
import { CliContext } from '../context.js';
import { renderTable } from '../output.js';

export function registerManifest(program: Command): void {
  const manifest = program.command('manifest').description('Validate or apply a provisioning manifest (as serve --manifest does)');

  manifest
    .command('validate')
    .description('Check a manifest without changing anything')
    .argument('<file>', 'manifest YAML')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const { readManifest } = await import('../../config/manifest.js');
      const parsed = await readManifest(file);
      for (const warning of parsed.warnings) ctx.note(`warning: ${warning}`);
      const components = parsed.components.map((c) => ({ index: c.index, uri: c.uri, name: c.name ?? null, digest: c.digest ?? null }));
      await ctx.print({
        data: { status: 'manifest is valid', file, components },
        table: () => `manifest is valid: ${file} (${components.length} component${components.length === 1 ? '' : 's'})\n`,
      });
    });

  manifest
    .command('apply')
    .description('Load the listed components and write their policies (idempotent); value_from applies only with serve/run --manifest')
    .argument('<file>', 'manifest YAML')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const { readManifest, applyManifest } = await import('../../config/manifest.js');
      const parsed = await readManifest(file);
      const logger = await ctx.logger();
      const results = await ctx.withDeck((deck) => applyManifest(deck, parsed, logger));
      await ctx.print({
        data: { status: 'manifest applied', file, components: results },
        table: () =>
          renderTable(
            ['#', 'ID', 'Component', 'Policy', 'URI'],
            results.map((r) => [String(r.index), r.id, r.component, r.policy, r.uri]),
          ),
      });
    });
}
