/** `tapedeck policy get` and `tapedeck permission grant|revoke|reset`. */
import type { Command } from 'commander';
import type { PermissionDetails, PolicyInfo } from '../../app/types.js';
import { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { renderTable } from '../output.js';

type Doc = {
  permissions?: {
    storage?: { allow?: { uri: string; access: string[] }[]; deny?: { uri: string; access: string[] }[] };
    network?: { allow?: ({ host: string } | { cidr: string })[]; deny?: ({ host: string } | { cidr: string })[] };
    environment?: { allow?: { key: string }[] };
    resources?: { limits?: { memory?: string | number; cpu?: string | number; timeout?: string | number }; memory?: number; cpu?: number; io?: number };
  };
};

/** One row per rule, for the table view. */
export function policyRows(document: unknown): string[][] {
  const p = (document as Doc | undefined)?.permissions ?? {};
  const rows: string[][] = [];
  for (const e of p.storage?.allow ?? []) rows.push(['storage', e.uri, (e.access ?? []).join(', ')]);
  for (const e of p.storage?.deny ?? []) rows.push(['storage', e.uri, 'deny (not enforced)']);
  for (const e of p.network?.allow ?? []) rows.push(['network', 'host' in e ? e.host : e.cidr, 'allow']);
  for (const e of p.network?.deny ?? []) rows.push(['network', 'host' in e ? e.host : e.cidr, 'deny (not enforced)']);
  for (const e of p.environment?.allow ?? []) rows.push(['environment', e.key, 'allow']);
  const limits = p.resources?.limits;
  const memory = limits?.memory ?? (p.resources?.memory !== undefined ? `${p.resources.memory}Mi` : undefined);
  if (memory !== undefined) rows.push(['memory', String(memory), 'limit']);
  if (limits?.timeout !== undefined) rows.push(['timeout', String(limits.timeout), 'limit']);
  if (limits?.cpu !== undefined) rows.push(['cpu', String(limits.cpu), 'limit (not enforced)']);
  return rows;
}

export function policyOutput(info: PolicyInfo) {
  if (!info.yaml) {
    const message = `component '${info.componentId}' has no policy: it may not use storage, network or environment variables, and gets the default memory limit`;
    return {
      data: { status: 'no policy found', component_id: info.componentId, message },
      table: () => `${message}\n`,
    };
  }
  const data = {
    status: 'policy found',
    component_id: info.componentId,
    policy_info: {
      source_uri: info.sourceUri ?? null,
      local_path: info.path ?? null,
      created_at: info.createdAt ?? null,
    },
    policy: info.document,
  };
  return {
    data,
    table: () =>
      `policy of ${info.componentId} (${info.path})\n` +
      renderTable(['Type', 'Rule', 'Access'], policyRows(info.document), { empty: '(the policy grants nothing)' }),
  };
}

export function registerPolicy(program: Command): void {
  program
    .command('policy')
    .description('Show component policies')
    .command('get')
    .description("Show a component's policy (the permissions it has been granted)")
    .argument('<id>', 'component id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      const info = await ctx.withDeck((deck) => deck.getPolicy(id));
      await ctx.print(policyOutput(info));
    });
}

function parseAccess(text: string | undefined): ('read' | 'write')[] {
  if (text === undefined || text.trim() === '') {
    throw new UsageError("storage grants need --access: read, write or read,write (e.g. --access read)");
  }
  const parts = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const part of parts) {
    if (part !== 'read' && part !== 'write') throw new UsageError(`invalid access '${part}' in --access ${text}: use read, write or read,write`);
  }
  return [...new Set(parts)] as ('read' | 'write')[];
}

function typeName(kind: PermissionDetails['kind']): string {
  return kind === 'environment-variable' ? 'environment variable' : kind;
}

function detailsJson(details: PermissionDetails): Record<string, unknown> {
  switch (details.kind) {
    case 'storage':
      return details.access.length ? { uri: details.uri, access: details.access } : { uri: details.uri };
    case 'network':
      return { host: details.host };
    case 'environment-variable':
      return { key: details.key };
    case 'memory':
      return details.limit ? { memory: details.limit } : {};
  }
}

function describeDetails(details: PermissionDetails): string {
  switch (details.kind) {
    case 'storage':
      return details.access.length ? `storage ${details.uri} (${details.access.join(', ')})` : `storage ${details.uri}`;
    case 'network':
      return `network ${details.host}`;
    case 'environment-variable':
      return `environment variable ${details.key}`;
    case 'memory':
      return details.limit ? `memory ${details.limit}` : 'memory limit';
  }
}

async function change(cmd: Command, id: string, details: PermissionDetails, verb: 'grant' | 'revoke'): Promise<void> {
  const ctx = new CliContext(cmd);
  await ctx.withDeck((deck) => (verb === 'grant' ? deck.grantPermission(id, details) : deck.revokePermission(id, details)));
  const status = verb === 'grant' ? 'permission granted successfully' : 'permission revoked successfully';
  await ctx.print({
    data: { status, component_id: id, permission_type: typeName(details.kind), details: detailsJson(details) },
    table: () => `${status}: ${describeDetails(details)} ${verb === 'grant' ? 'for' : 'from'} ${id}`,
  });
}

export function registerPermission(program: Command): void {
  const permission = program.command('permission').description('Grant, revoke and reset component permissions');

  const grant = permission.command('grant').description('Grant a permission (takes effect in a running server on the next call)');
  grant
    .command('storage')
    .description('Allow access to a directory or file')
    .argument('<id>', 'component id')
    .argument('<uri>', 'fs:///absolute/path or fs://path-relative-to-the-component-dir')
    .option('--access <access>', 'read, write or read,write')
    .action(async (id: string, uri: string, opts: { access?: string }, cmd: Command) => {
      await change(cmd, id, { kind: 'storage', uri, access: parseAccess(opts.access) }, 'grant');
    });
  grant
    .command('network')
    .description('Allow requests to a host (api.x.com, *.x.com, https://api.x.com, host:port or a CIDR)')
    .argument('<id>', 'component id')
    .argument('<host>', 'host to allow')
    .action(async (id: string, host: string, _opts: unknown, cmd: Command) => {
      await change(cmd, id, { kind: 'network', host }, 'grant');
    });
  grant
    .command('environment-variable')
    .description('Let the component read an environment variable (its value comes from the config, --env, --env-file or its secrets)')
    .argument('<id>', 'component id')
    .argument('<key>', 'variable name, e.g. API_KEY')
    .action(async (id: string, key: string, _opts: unknown, cmd: Command) => {
      await change(cmd, id, { kind: 'environment-variable', key }, 'grant');
    });
  grant
    .command('memory')
    .description('Set the memory limit (Ki/Mi/Gi/Ti; at least 1Mi)')
    .argument('<id>', 'component id')
    .argument('<limit>', 'e.g. 512Mi or 1Gi')
    .action(async (id: string, limit: string, _opts: unknown, cmd: Command) => {
      await change(cmd, id, { kind: 'memory', limit }, 'grant');
    });

  const revoke = permission.command('revoke').description('Revoke a permission');
  revoke
    .command('storage')
    .description('Remove all access to a directory or file')
    .argument('<id>', 'component id')
    .argument('<uri>', 'the fs:// URI that was granted')
    .action(async (id: string, uri: string, _opts: unknown, cmd: Command) => {
      await change(cmd, id, { kind: 'storage', uri, access: [] }, 'revoke');
    });
  revoke
    .command('network')
    .description('Remove a host (a bare host removes it under every scheme and port)')
    .argument('<id>', 'component id')
    .argument('<host>', 'host that was granted')
    .action(async (id: string, host: string, _opts: unknown, cmd: Command) => {
      await change(cmd, id, { kind: 'network', host }, 'revoke');
    });
  revoke
    .command('environment-variable')
    .description('Remove access to an environment variable')
    .argument('<id>', 'component id')
    .argument('<key>', 'variable name')
    .action(async (id: string, key: string, _opts: unknown, cmd: Command) => {
      await change(cmd, id, { kind: 'environment-variable', key }, 'revoke');
    });
  revoke
    .command('memory')
    .description('Remove the memory limit (the default limit applies again)')
    .argument('<id>', 'component id')
    .argument('[limit]', 'ignored; accepted for symmetry with grant')
    .action(async (id: string, _limit: string | undefined, _opts: unknown, cmd: Command) => {
      await change(cmd, id, { kind: 'memory', limit: '' }, 'revoke');
    });

  permission
    .command('reset')
    .description('Remove every permission (deletes the policy: the component is denied everything)')
    .argument('<id>', 'component id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const ctx = new CliContext(cmd);
      await ctx.withDeck((deck) => deck.resetPermissions(id));
      const status = 'permissions reset successfully';
      await ctx.print({ data: { status, component_id: id }, table: () => `${status}: ${id}` });
    });
}
