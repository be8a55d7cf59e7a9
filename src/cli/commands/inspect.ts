/** `tapedeck inspect <id>`: what a component exports and imports, its tools' schemas, its policy and digest. */
import type { Command } from 'commander';
import type { ComponentInfo, ExportedFunction } from '../../component/wit-types.js';
import { CliContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { policyRows } from './policy.js';
import { renderTable } from '../output.js';

function signature(fn: ExportedFunction, format: (t: NonNullable<ExportedFunction['result']>) => string): string {
  const params = fn.params.map((p) => `${p.name}: ${format(p.type)}`).join(', ');
  return `func(${params})${fn.result === undefined ? '' : ` -> ${format(fn.result)}`}`;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description("Show a component's exports (WIT signatures), tool schemas, imports, policy and digest")
    .argument('<id>', 'component id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const { formatWitType } = await import('../../component/schema.js');
      const { toolName } = await import('../../component/tool-name.js');
      const details = await ctx.withDeck(async (deck) => {
        const summary = deck.getComponent(id);
        if (!summary) throw new NotFoundError(`Component '${id}' not found`);
        let info: ComponentInfo | undefined = (await deck.store.readMetadata(id).catch(() => undefined))?.info;
        if (!info) {
          const { decodeComponent } = await import('../../component/decode/index.js');
          info = decodeComponent(await deck.store.readBytes(id));
        }
        const policy = await deck.getPolicy(id);
        return { summary, info, policy };
      });
      const { summary, info, policy } = details;
      const exportsList = info.functions.map((fn) => ({
        ...(fn.interface ? { interface: fn.interface } : {}),
        name: fn.name,
        signature: signature(fn, formatWitType),
        tool: toolName(fn),
        ...(fn.docs ? { docs: fn.docs } : {}),
      }));
      const data = {
        id: summary.id,
        source_uri: summary.sourceUri,
        digest: summary.digest,
        ...(info.docs ? { docs: info.docs } : {}),
        exports: exportsList,
        unsupported: info.unsupported,
        imports: info.imports,
        tools: summary.tools,
        policy: policy.yaml ? { path: policy.path, created_at: policy.createdAt ?? null, source_uri: policy.sourceUri ?? null, document: policy.document } : null,
      };
      await ctx.print({
        data,
        table: () => {
          const lines: string[] = [];
          lines.push(`Component: ${summary.id}`, `Source:    ${summary.sourceUri}`, `Digest:    ${summary.digest}`);
          if (info.docs) lines.push(`Docs:      ${info.docs.split('\n')[0]}`);
          lines.push('', `Exports (${exportsList.length}):`);
          for (const e of exportsList) {
            lines.push(`  ${e.interface ? `${e.interface}#` : ''}${e.name}: ${e.signature}`);
            if (e.tool) lines.push(`    tool: ${e.tool}`);
          }
          if (info.unsupported.length) {
            lines.push('', 'Not exposed as tools:');
            for (const u of info.unsupported) lines.push(`  ${u.name}: ${u.reason}`);
          }
          lines.push('', `Imports (${info.imports.length}):`);
          for (const name of info.imports) lines.push(`  ${name}`);
          lines.push('', 'Tools:');
          for (const t of summary.tools) {
            lines.push(`  ${t.name}: ${t.description}`);
            lines.push(`    input:  ${JSON.stringify(t.inputSchema)}`);
            lines.push(`    output: ${JSON.stringify(t.outputSchema)}`);
          }
          lines.push('');
          if (policy.yaml) lines.push(`Policy (${policy.path}):`, renderTable(['Type', 'Rule', 'Access'], policyRows(policy.document), { empty: '  (grants nothing)' }).trimEnd());
          else lines.push('Policy: none (denied everything; default memory limit)');
          return `${lines.join('\n')}\n`;
        },
      });
    });
}
