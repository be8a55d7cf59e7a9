/**
 * The built-in management tools, with Wassette's names, parameters and result
 * shapes (the JSON object is both `content[0].text` and `structuredContent`).
 * Failures are tool errors whose text starts with `Error:` and says what to do.
 */
import type { PermissionDetails, PolicyInfo, TapedeckApi } from '../app/types.js';
import { searchCatalog, type CatalogEntry } from './catalog.js';

export interface BuiltinTool {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
}

export type BuiltinOutcome = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

export interface BuiltinContext {
  deck: TapedeckApi;
  catalog?: () => CatalogEntry[];
}

const componentId = { type: 'string', description: 'ID of the component (see list-components)' };

const object = (properties: Record<string, unknown>, required: string[], extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  required,
  ...extra,
});

const grantResult = (detailsSchema: Record<string, unknown>) =>
  object(
    {
      status: { type: 'string', const: 'permission granted successfully' },
      component_id: { type: 'string' },
      permission_type: { type: 'string' },
      details: detailsSchema,
    },
    ['status', 'component_id', 'permission_type', 'details'],
  );

const revokeResult = (detailsSchema: Record<string, unknown>) =>
  object(
    {
      status: { type: 'string', const: 'permission revoked' },
      component_id: { type: 'string' },
      permission_type: { type: 'string' },
      details: detailsSchema,
    },
    ['status', 'component_id', 'permission_type', 'details'],
  );

const storageDetails = object(
  {
    uri: { type: 'string', description: 'Storage location to grant, e.g. fs:///tmp/data (a directory and everything below it)' },
    access: {
      type: 'array',
      items: { type: 'string', enum: ['read', 'write'] },
      minItems: 1,
      description: "Access to grant: an array with 'read' and/or 'write'",
    },
  },
  ['uri', 'access'],
  { additionalProperties: false },
);
const networkDetails = object(
  { host: { type: 'string', description: 'Host to allow, e.g. api.example.com, *.example.com or https://api.example.com' } },
  ['host'],
  { additionalProperties: false },
);
const environmentDetails = object(
  { key: { type: 'string', description: 'Environment variable name, e.g. API_KEY' } },
  ['key'],
  { additionalProperties: false },
);
const memoryDetails = object(
  {
    memory: { type: 'string', description: 'Memory limit for the component, e.g. "512Mi" or "1Gi" (a bare number means MB)' },
  },
  ['memory'],
);

const component = object(
  {
    id: { type: 'string' },
    tools_count: { type: 'integer' },
    schema: object({ tools: { type: 'array', items: { type: 'object' } } }, ['tools']),
    source_uri: { type: 'string' },
    digest: { type: 'string' },
  },
  ['id', 'tools_count', 'schema'],
);

export const BUILTIN_TOOLS: readonly BuiltinTool[] = [
  {
    name: 'load-component',
    title: 'Load component',
    description:
      'Loads a WebAssembly component (or reloads it when already loaded) and makes its exported functions available as tools. path is a file path, file://, oci:// or https:// URI. The component starts with no permissions.',
    inputSchema: object(
      {
        path: { type: 'string', description: 'Component location: /abs/path/x.wasm, file:///abs/path/x.wasm, oci://registry/repo:tag or https://host/x.wasm' },
        accept_policy: {
          type: 'boolean',
          description: 'Apply the policy shipped with an oci:// artifact (default false: shipped policies are reported, never applied silently)',
        },
        digest: { type: 'string', description: 'Expected sha256 digest (sha256:<hex>); the load fails if the component differs' },
      },
      ['path'],
    ),
    outputSchema: object(
      {
        status: { type: 'string', enum: ['component loaded successfully', 'component reloaded successfully'] },
        id: { type: 'string' },
        tools: { type: 'array', items: { type: 'string' } },
        warnings: { type: 'array', items: { type: 'string' } },
      },
      ['status', 'id', 'tools'],
    ),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  },
  {
    name: 'unload-component',
    title: 'Unload component',
    description: 'Unloads a component: its tools disappear and its files (component, policy) are removed from the component directory.',
    inputSchema: object({ id: { type: 'string', description: 'ID of the component to unload (see list-components)' } }, ['id']),
    outputSchema: object({ status: { type: 'string', const: 'component unloaded successfully' }, id: { type: 'string' } }, ['status', 'id']),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  },
  {
    name: 'list-components',
    title: 'List components',
    description: 'Lists the loaded components with their tools.',
    inputSchema: object({}, []),
    outputSchema: object({ components: { type: 'array', items: component }, total: { type: 'integer' } }, ['components', 'total']),
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'search-components',
    title: 'Search components',
    description:
      "Searches tapedeck's catalog of known components by name, description or URI (all entries without a query). Load a result with load-component and its uri.",
    inputSchema: object({ query: { type: 'string', description: 'Words to look for, e.g. "time" or "fetch"' } }, []),
    outputSchema: object(
      {
        status: { type: 'string' },
        components: {
          type: 'array',
          items: object({ name: { type: 'string' }, description: { type: 'string' }, uri: { type: 'string' } }, ['name', 'description', 'uri']),
        },
      },
      ['status', 'components'],
    ),
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'get-policy',
    title: 'Get policy',
    description: "Shows a component's permission policy: what it may access (storage, network, environment variables, memory).",
    inputSchema: object({ component_id: { ...componentId, description: 'ID of the component to get the policy for' } }, ['component_id']),
    outputSchema: object(
      {
        status: { type: 'string', enum: ['policy found', 'no policy found'] },
        component_id: { type: 'string' },
        policy_info: object(
          {
            policy_id: { type: 'string' },
            source_uri: { type: 'string' },
            local_path: { type: 'string' },
            created_at: { type: 'integer', description: 'seconds since the Unix epoch' },
          },
          ['policy_id', 'local_path'],
        ),
        policy: { type: 'object', additionalProperties: true, description: 'the policy document (Wassette policy format)' },
      },
      ['status', 'component_id'],
    ),
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'grant-storage-permission',
    title: 'Grant storage permission',
    description:
      'Grants a component read and/or write access to a directory (fs:// URI). Ask the user before granting access the component was denied.',
    inputSchema: object(
      { component_id: { ...componentId, description: 'ID of the component to grant storage permission to' }, details: storageDetails },
      ['component_id', 'details'],
    ),
    outputSchema: grantResult(storageDetails),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'grant-network-permission',
    title: 'Grant network permission',
    description: 'Grants a component network access to a host. Ask the user before granting access the component was denied.',
    inputSchema: object(
      { component_id: { ...componentId, description: 'ID of the component to grant network permission to' }, details: networkDetails },
      ['component_id', 'details'],
    ),
    outputSchema: grantResult(networkDetails),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'grant-environment-variable-permission',
    title: 'Grant environment variable permission',
    description:
      "Grants a component read access to an environment variable (the value comes from the server's configured environment or the component's secrets).",
    inputSchema: object(
      {
        component_id: { ...componentId, description: 'ID of the component to grant environment variable permission to' },
        details: environmentDetails,
      },
      ['component_id', 'details'],
    ),
    outputSchema: grantResult(environmentDetails),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'grant-memory-permission',
    title: 'Grant memory permission',
    description: 'Sets the memory limit of a component (e.g. 512Mi, 1Gi), for components that ran out of memory.',
    inputSchema: object(
      { component_id: { ...componentId, description: 'ID of the component to set the memory limit for' }, details: memoryDetails },
      ['component_id', 'details'],
    ),
    outputSchema: grantResult(memoryDetails),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'revoke-storage-permission',
    title: 'Revoke storage permission',
    description: 'Revokes all access (read and write) a component has to a storage URI.',
    inputSchema: object(
      {
        component_id: { ...componentId, description: 'ID of the component to revoke storage permission from' },
        details: object(
          { uri: { type: 'string', description: 'Storage URI to revoke all access to, e.g. fs:///tmp/data' } },
          ['uri'],
          { additionalProperties: false },
        ),
      },
      ['component_id', 'details'],
    ),
    outputSchema: object(
      {
        status: { type: 'string', const: 'permission revoked successfully' },
        component_id: { type: 'string' },
        uri: { type: 'string' },
        message: { type: 'string' },
      },
      ['status', 'component_id', 'uri', 'message'],
    ),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'revoke-network-permission',
    title: 'Revoke network permission',
    description: 'Revokes network access a component has to a host.',
    inputSchema: object(
      { component_id: { ...componentId, description: 'ID of the component to revoke network permission from' }, details: networkDetails },
      ['component_id', 'details'],
    ),
    outputSchema: revokeResult(networkDetails),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'revoke-environment-variable-permission',
    title: 'Revoke environment variable permission',
    description: 'Revokes access a component has to an environment variable.',
    inputSchema: object(
      {
        component_id: { ...componentId, description: 'ID of the component to revoke environment variable permission from' },
        details: environmentDetails,
      },
      ['component_id', 'details'],
    ),
    outputSchema: revokeResult(environmentDetails),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'reset-permission',
    title: 'Reset permissions',
    description: 'Removes every permission granted to a component (deletes its policy): it is back to no access.',
    inputSchema: object({ component_id: { ...componentId, description: 'ID of the component to reset permissions for' } }, ['component_id']),
    outputSchema: object(
      { status: { type: 'string', const: 'permissions reset successfully' }, component_id: { type: 'string' } },
      ['status', 'component_id'],
    ),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  },
];

export const BUILTIN_TOOL_NAMES: ReadonlySet<string> = new Set(BUILTIN_TOOLS.map((t) => t.name));

/** Thrown for bad arguments; becomes an `Error: …` tool result. */
class ArgumentError extends Error {}

function record(args: unknown): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args)) throw new ArgumentError('arguments must be a JSON object');
  return args as Record<string, unknown>;
}

function requireString(args: Record<string, unknown>, key: string, what: string): string {
  const value = args[key];
  if (value === undefined || value === null) throw new ArgumentError(`missing required argument '${key}' (${what})`);
  if (typeof value !== 'string' || value.trim() === '') throw new ArgumentError(`argument '${key}' must be a non-empty string (${what})`);
  return value.trim();
}

function optionalString(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ArgumentError(`argument '${key}' must be a string`);
  return value.trim() || undefined;
}

function details(args: Record<string, unknown>, example: string): Record<string, unknown> {
  const value = args.details;
  if (value === undefined || value === null) throw new ArgumentError(`missing required argument 'details' (an object such as ${example})`);
  if (typeof value !== 'object' || Array.isArray(value)) throw new ArgumentError(`argument 'details' must be an object such as ${example}`);
  return value as Record<string, unknown>;
}

function detailString(d: Record<string, unknown>, key: string, example: string): string {
  const value = d[key];
  if (typeof value !== 'string' || value.trim() === '') throw new ArgumentError(`details.${key} is required: a non-empty string such as ${example}`);
  return value.trim();
}

function storageAccess(d: Record<string, unknown>): ('read' | 'write')[] {
  const access = d.access;
  const list = typeof access === 'string' ? access.split(',').map((s) => s.trim()) : access;
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => a === 'read' || a === 'write')) {
    throw new ArgumentError(`details.access must be a non-empty array of "read" and/or "write", e.g. ["read"] or ["read", "write"]`);
  }
  return [...new Set(list as ('read' | 'write')[])];
}

function memoryLimit(d: Record<string, unknown>): string {
  const nested = (d.resources as { limits?: { memory?: unknown } } | undefined)?.limits?.memory;
  const value = d.memory ?? nested;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  throw new ArgumentError('details.memory is required: a size such as "512Mi" or "1Gi" (a bare number means MB)');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Adds what to do next to runtime errors the agent can act on. */
function withHint(message: string, id?: string): string {
  if (id !== undefined && /not found/i.test(message) && /component/i.test(message)) {
    return `${message}. Check the ID with list-components, or load the component first with load-component`;
  }
  return message;
}

function unixSeconds(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

function policyResult(info: PolicyInfo): Record<string, unknown> {
  if (!info.path) return { status: 'no policy found', component_id: info.componentId };
  return {
    status: 'policy found',
    component_id: info.componentId,
    policy_info: {
      policy_id: info.componentId,
      ...(info.sourceUri !== undefined && { source_uri: info.sourceUri }),
      local_path: info.path,
      ...(unixSeconds(info.createdAt) !== undefined && { created_at: unixSeconds(info.createdAt) }),
    },
    ...(info.document !== null && typeof info.document === 'object' && { policy: info.document }),
  };
}

async function grant(deck: TapedeckApi, id: string, detailsIn: PermissionDetails, permissionType: string, shown: Record<string, unknown>): Promise<BuiltinOutcome> {
  try {
    await deck.grantPermission(id, detailsIn);
  } catch (error) {
    return { ok: false, message: `Failed to grant ${permissionType} permission to component ${id}: ${withHint(errorText(error), id)}` };
  }
  return { ok: true, value: { status: 'permission granted successfully', component_id: id, permission_type: permissionType, details: shown } };
}

async function revoke(deck: TapedeckApi, id: string, detailsIn: PermissionDetails, permissionType: string): Promise<void | string> {
  try {
    await deck.revokePermission(id, detailsIn);
  } catch (error) {
    return `Failed to revoke ${permissionType} permission from component ${id}: ${withHint(errorText(error), id)}`;
  }
}

/** Runs a built-in tool. Never throws: failures come back as `{ok: false, message}` (without the `Error: ` prefix). */
export async function callBuiltin(name: string, rawArgs: unknown, ctx: BuiltinContext): Promise<BuiltinOutcome> {
  const { deck } = ctx;
  try {
    const args = record(rawArgs);
    switch (name) {
      case 'load-component': {
        const path = requireString(args, 'path', 'a file path, file://, oci:// or https:// URI of a .wasm component');
        const accept = args.accept_policy;
        if (accept !== undefined && typeof accept !== 'boolean') throw new ArgumentError("argument 'accept_policy' must be true or false");
        const digest = optionalString(args, 'digest');
        try {
          const result = await deck.loadComponent(path, { acceptPolicy: accept === true, digest });
          return {
            ok: true,
            value: {
              status: result.status === 'reloaded' ? 'component reloaded successfully' : 'component loaded successfully',
              id: result.id,
              tools: result.tools,
              ...(result.warnings.length > 0 && { warnings: result.warnings }),
            },
          };
        } catch (error) {
          return { ok: false, message: `Failed to load component: ${path}. ${errorText(error)}` };
        }
      }
      case 'unload-component': {
        const id = requireString(args, 'id', 'the component ID, see list-components');
        try {
          await deck.unloadComponent(id);
        } catch (error) {
          return { ok: false, message: `Failed to unload component ${id}: ${withHint(errorText(error), id)}` };
        }
        return { ok: true, value: { status: 'component unloaded successfully', id } };
      }
      case 'list-components': {
        const components = deck.listComponents().map((c) => ({
          id: c.id,
          tools_count: c.tools.length,
          schema: { tools: c.tools },
          source_uri: c.sourceUri,
          digest: c.digest,
        }));
        return { ok: true, value: { components, total: components.length } };
      }
      case 'search-components': {
        const query = optionalString(args, 'query');
        const components = searchCatalog(query, ctx.catalog?.());
        return { ok: true, value: { status: 'Component list found', components } };
      }
      case 'get-policy': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        try {
          return { ok: true, value: policyResult(await deck.getPolicy(id)) };
        } catch (error) {
          return { ok: false, message: `Failed to get the policy of component ${id}: ${withHint(errorText(error), id)}` };
        }
      }
      case 'grant-storage-permission': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        const d = details(args, '{"uri": "fs:///tmp/data", "access": ["read"]}');
        const uri = detailString(d, 'uri', '"fs:///tmp/data"');
        const access = storageAccess(d);
        return grant(deck, id, { kind: 'storage', uri, access }, 'storage', { uri, access });
      }
      case 'grant-network-permission': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        const host = detailString(details(args, '{"host": "api.example.com"}'), 'host', '"api.example.com"');
        return grant(deck, id, { kind: 'network', host }, 'network', { host });
      }
      case 'grant-environment-variable-permission': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        const key = detailString(details(args, '{"key": "API_KEY"}'), 'key', '"API_KEY"');
        return grant(deck, id, { kind: 'environment-variable', key }, 'environment variable', { key });
      }
      case 'grant-memory-permission': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        const limit = memoryLimit(details(args, '{"memory": "512Mi"}'));
        return grant(deck, id, { kind: 'memory', limit }, 'memory', { memory: limit });
      }
      case 'revoke-storage-permission': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        const uri = detailString(details(args, '{"uri": "fs:///tmp/data"}'), 'uri', '"fs:///tmp/data"');
        const failed = await revoke(deck, id, { kind: 'storage', uri, access: ['read', 'write'] }, 'storage');
        if (failed) return { ok: false, message: failed };
        return {
          ok: true,
          value: {
            status: 'permission revoked successfully',
            component_id: id,
            uri,
            message: 'All access (read and write) to the specified URI has been revoked',
          },
        };
      }
      case 'revoke-network-permission': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        const host = detailString(details(args, '{"host": "api.example.com"}'), 'host', '"api.example.com"');
        const failed = await revoke(deck, id, { kind: 'network', host }, 'network');
        if (failed) return { ok: false, message: failed };
        return { ok: true, value: { status: 'permission revoked', component_id: id, permission_type: 'network', details: { host } } };
      }
      case 'revoke-environment-variable-permission': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        const key = detailString(details(args, '{"key": "API_KEY"}'), 'key', '"API_KEY"');
        const failed = await revoke(deck, id, { kind: 'environment-variable', key }, 'environment variable');
        if (failed) return { ok: false, message: failed };
        return { ok: true, value: { status: 'permission revoked', component_id: id, permission_type: 'environment variable', details: { key } } };
      }
      case 'reset-permission': {
        const id = requireString(args, 'component_id', 'the component ID, see list-components');
        try {
          await deck.resetPermissions(id);
        } catch (error) {
          return { ok: false, message: `Failed to reset permissions for component ${id}: ${withHint(errorText(error), id)}` };
        }
        return { ok: true, value: { status: 'permissions reset successfully', component_id: id } };
      }
      default:
        return { ok: false, message: `'${name}' is not a built-in tool` };
    }
  } catch (error) {
    if (error instanceof ArgumentError) return { ok: false, message: `${error.message}. See the tool's inputSchema (tools/list) for the expected arguments` };
    return { ok: false, message: `${name} failed: ${errorText(error)}` };
  }
}
