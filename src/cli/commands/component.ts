/** `tapedeck component load|unload|list`. */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { LoadResult } from '../../app/types.js';
import { readFile } from 'node:fs/promises';
import { CliContext, collect } from '../context.js';
import { UsageError } from '../errors.js';
import { renderTable } from '../output.js';

const DIGEST = /^sha256:[0-9a-fA-F]{64}$/;

/**
 * `file://./x.wasm` (relative, as Wassette's docs show) -> an absolute
 * `file:///…` URI; everything else is passed to the loader unchanged.
 */
export function normaliseComponentUri(uri: string, cwd = process.cwd()): string {
  if (uri.startsWith('file://') && !uri.startsWith('file:///')) {
    const path = uri.slice('file://'.length);
    if (!path.startsWith('localhost/')) return pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href;
  }
  return uri;
}

export function checkDigest(digest: string | undefined): string | undefined {
  if (digest === undefined) return undefined;
  if (!DIGEST.test(digest)) throw new UsageError(`invalid --digest '${digest}': use sha256:<64 hex digits>`);
  return digest.toLowerCase();
}

export function loadOutput(result: LoadResult) {
  const status = result.status === 'reloaded' ? 'component reloaded successfully' : 'component loaded successfully';
  const data: Record<string, unknown> = { status, id: result.id, tools: result.tools };
  if (result.warnings.length > 0) data.warnings = result.warnings;
  return {
    data,
    table: () =>
      `${status}\n  id:    ${result.id}\n  tools: ${result.tools.join(', ')}\n` +
      (result.warnings.length ? result.warnings.map((w) => `  warning: ${w}`).join('\n') + '\n' : ''),
  };
}

export function registerComponent(program: Command): void {
  const component = program.command('component').description('Load, unload and list components');

  component
    .command('load')
    .description('Load a component from file://, oci:// or https:// (or a local path) and register its tools')
    .argument('<uri>', 'file:///abs/tool.wasm, ./tool.wasm, oci://registry/repo:tag or https://host/tool.wasm')
    .option('--accept-policy', 'apply the policy shipped with an OCI artifact (by default it is shown, not applied)')
    .option('--digest <sha256:hex>', 'refuse to load unless the component bytes have this sha256 digest')
    .option('--id <id>', 'component id to use instead of the one derived from the URI')
    .action(async (uri: string, opts: { acceptPolicy?: boolean; digest?: string; id?: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const digest = checkDigest(opts.digest);
      const result = await ctx.withDeck((deck) =>
        deck.loadComponent(normaliseComponentUri(uri), { acceptPolicy: opts.acceptPolicy, digest, id: opts.id }),
      );
      for (const warning of result.warnings) ctx.note(`warning: ${warning}`);
      await ctx.print(loadOutput(result));
    });

  component
    .command('push')
    .description('Push a component to an OCI registry as a Wasm artifact (readable by wkg and Wassette)')
    .argument('<file>', 'the component .wasm file')
    .argument('<reference>', 'oci://registry/repository:tag')
    .option('--policy <file>', 'attach this policy.yaml as a policy layer (applied by users only with --accept-policy)')
    .option('--annotation <key=value>', 'OCI annotation (a key without a dot becomes org.opencontainers.image.<key>); repeatable', collect)
    .action(async (file: string, reference: string, opts: { policy?: string; annotation?: string[] }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const annotations: Record<string, string> = {};
      for (const pair of opts.annotation ?? []) {
        const at = pair.indexOf('=');
        if (at <= 0) throw new UsageError(`invalid --annotation '${pair}': use key=value`);
        annotations[pair.slice(0, at)] = pair.slice(at + 1);
      }
      const [{ pushOciComponent }, fetch] = await Promise.all([import('../../distribution/index.js'), ctx.fetchOptions()]);
      const result = await pushOciComponent(file, reference, { ...fetch, policyPath: opts.policy, annotations });
      await ctx.print({
        data: { status: 'component pushed successfully', uri: result.uri, digest: result.manifestDigest },
        table: () => `component pushed successfully\n  uri:    ${result.uri}\n  digest: ${result.manifestDigest}\n`,
      });
    });

  component
    .command('sign')
    .description('Sign a pushed component with an ECDSA P-256 key (cosign-compatible signature)')
    .argument('<reference>', 'oci://registry/repository:tag or @sha256:…')
    .requiredOption('--key <pem-file>', 'private key (PEM, PKCS#8 or SEC1; encrypted PKCS#8 reads its password from $TAPEDECK_SIGNING_KEY_PASSWORD)')
    .action(async (reference: string, opts: { key: string }, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const privateKeyPem = await readFile(opts.key, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read --key ${opts.key}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      });
      const [{ signOciComponent }, fetch] = await Promise.all([import('../../distribution/index.js'), ctx.fetchOptions()]);
      const result = await signOciComponent(reference, { ...fetch, privateKeyPem, password: process.env.TAPEDECK_SIGNING_KEY_PASSWORD });
      await ctx.print({
        data: { status: 'component signed successfully', uri: reference, signature: result.signatureTag },
        table: () => `component signed successfully\n  signature: ${result.signatureTag}\n`,
      });
    });

  component
    .command('unload')
    .description('Remove a component, its tools and its policy')
    .argument('<id>', 'component id (see: tapedeck component list)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      await ctx.withDeck((deck) => deck.unloadComponent(id));
      const status = 'component unloaded successfully';
      await ctx.print({ data: { status, id }, table: () => `${status}: ${id}` });
    });

  component
    .command('list')
    .description('List the components in the component directory')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const rows = await ctx.withDeck(async (deck) => {
        const list = deck.listComponents();
        return Promise.all(
          list.map(async (c) => {
            const meta = await deck.store.readMetadata(c.id).catch(() => undefined);
            return { summary: c, description: meta?.info.docs?.split('\n')[0]?.trim() };
          }),
        );
      });
      const components = rows.map(({ summary: c, description }) => ({
        id: c.id,
        tools_count: c.tools.length,
        schema: { tools: c.tools },
        source_uri: c.sourceUri,
        digest: c.digest,
        ...(description ? { description } : {}),
      }));
      await ctx.print({
        data: { components, total: components.length },
        table: () =>
          renderTable(
            ['ID', 'Tools', 'Source', 'Description'],
            rows.map(({ summary: c, description }) => [c.id, String(c.tools.length), c.sourceUri, description ?? '']),
            { empty: 'No components loaded. Load one with: tapedeck component load <file://|oci://|https://…>' },
          ),
      });
    });
}
