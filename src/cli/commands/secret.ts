/**
 * `tapedeck secret list|set|delete`: per-component secrets in
 * `<secrets_dir>/<id>.yaml` (directory 0700, files 0600). A component sees a
 * secret only when its policy grants that key (`permission grant
 * environment-variable`). Values are printed only with `--show-values`.
 */
import type { Command } from 'commander';
import { parseEnvFile } from '../../config/config.js';
import { CliContext } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';
import { renderTable } from '../output.js';

async function secretStore(ctx: CliContext) {
  const config = await ctx.config();
  const { SecretStore } = await import('../../store/secret-store.js');
  return new SecretStore(config.secretsDir);
}

async function componentExists(ctx: CliContext, id: string): Promise<boolean> {
  const config = await ctx.config();
  const { ComponentStore } = await import('../../store/component-store.js');
  return (await new ComponentStore(config.componentDir).ids()).includes(id);
}

/** `KEY=VALUE …`, or Wassette's documented `KEY VALUE` form. */
export function parseSecretArgs(args: string[]): Record<string, string> {
  if (args.length === 2 && !args[0].includes('=')) return { [args[0]]: args[1] };
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid secret '${arg}': use KEY=VALUE (or --stdin to read KEY=VALUE lines without putting values on the command line)`);
    out[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerSecret(program: Command): void {
  const secret = program.command('secret').description('Manage per-component secrets (values a component can be granted as environment variables)');

  secret
    .command('list')
    .description('List the secret keys of a component (or, without an id, the components that have secrets)')
    .argument('[id]', 'component id')
    .option('--show-values', 'print the secret values too')
    .option('--yes', 'accepted for Wassette compatibility (tapedeck does not prompt)')
    .action(async (id: string | undefined, opts: { showValues?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const store = await secretStore(ctx);
      if (id === undefined) {
        const ids = await store.ids();
        const rows = await Promise.all(ids.map(async (i) => ({ component_id: i, keys: Object.keys(await store.read(i)).length })));
        await ctx.print({
          data: { components: rows, total: rows.length },
          table: () => renderTable(['Component', 'Secrets'], rows.map((r) => [r.component_id, String(r.keys)]), { empty: 'No secrets stored.' }),
        });
        return;
      }
      const values = await store.read(id);
      const secrets = Object.keys(values)
        .sort()
        .map((key) => (opts.showValues ? { key, value: values[key] } : { key }));
      await ctx.print({
        data: { component_id: id, secrets, total: secrets.length },
        table: () =>
          renderTable(
            ['Key', 'Value'],
            secrets.map((s) => [s.key, 'value' in s ? String(s.value) : '******** (use --show-values)']),
            { empty: `No secrets for ${id}. Set one with: tapedeck secret set ${id} KEY=VALUE` },
          ),
      });
    });

  secret
    .command('set')
    .description('Set secrets (KEY=VALUE …); other keys are kept')
    .argument('<id>', 'component id')
    .argument('[pairs...]', 'KEY=VALUE pairs')
    .option('--stdin', 'read KEY=VALUE lines from stdin (keeps values out of shell history and ps)')
    .action(async (id: string, pairs: string[], opts: { stdin?: boolean }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      let entries: Record<string, string> = {};
      if (opts.stdin) entries = parseEnvFile(await readStdin(), '<stdin>');
      if (pairs.length > 0) entries = { ...entries, ...parseSecretArgs(pairs) };
      if (Object.keys(entries).length === 0) throw new UsageError('give at least one KEY=VALUE (or --stdin)');
      const { assertValidId } = await import('../../store/component-id.js');
      assertValidId(id);
      const store = await secretStore(ctx);
      await store.set(id, entries);
      if (!(await componentExists(ctx, id))) {
        ctx.note(`note: component '${id}' is not loaded; the secrets apply once a component with this id is loaded`);
      }
      const keys = Object.keys(entries).sort();
      const status = 'secrets set successfully';
      await ctx.print({
        data: { status, component_id: id, keys },
        table: () => `${status}: ${keys.join(', ')} for ${id}\nA component only sees a secret its policy grants: tapedeck permission grant environment-variable ${id} <KEY>`,
      });
    });

  secret
    .command('delete')
    .description('Delete secrets by key')
    .argument('<id>', 'component id')
    .argument('<keys...>', 'keys to delete')
    .action(async (id: string, keys: string[], _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const store = await secretStore(ctx);
      const current = await store.read(id);
      const missing = keys.filter((k) => !(k in current));
      if (missing.length > 0) {
        throw new NotFoundError(`secret${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')} not found for component '${id}'; nothing was deleted`);
      }
      await store.delete(id, keys);
      const status = 'secrets deleted successfully';
      await ctx.print({ data: { status, component_id: id, keys }, table: () => `${status}: ${keys.join(', ')} from ${id}` });
    });
}
