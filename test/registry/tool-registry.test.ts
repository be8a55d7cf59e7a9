import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ToolRegistry, ToolNameConflictError, type RegisteredTool } from '../../src/registry/tool-registry.js';

function tool(componentId: string, name: string): RegisteredTool {
  return {
    componentId,
    fn: { name, params: [] },
    definition: { name, description: name, inputSchema: { type: 'object' }, outputSchema: { type: 'object' } },
  };
}

test('registers and replaces a component’s tools in one step', () => {
  const registry = new ToolRegistry();
  registry.set('a', [tool('a', 'x'), tool('a', 'y')]);
  assert.deepEqual(registry.all().map((t) => t.definition.name).sort(), ['x', 'y']);
  registry.set('a', [tool('a', 'z')]);
  assert.deepEqual(registry.all().map((t) => t.definition.name), ['z']);
  assert.equal(registry.get('x'), undefined);
  assert.equal(registry.get('z')?.componentId, 'a');
});

test('a name owned by another component is refused, naming both, and nothing changes', () => {
  const registry = new ToolRegistry();
  registry.set('weather', [tool('weather', 'get-weather')]);
  assert.throws(
    () => registry.set('weather2', [tool('weather2', 'other'), tool('weather2', 'get-weather')]),
    (error: unknown) => {
      assert.ok(error instanceof ToolNameConflictError);
      assert.match(error.message, /tool 'get-weather' of component 'weather2' is already provided by component 'weather'/);
      return true;
    },
  );
  assert.equal(registry.get('other'), undefined);
  assert.deepEqual(registry.toolsOf('weather2'), []);
});

test('remove drops every tool of the component', () => {
  const registry = new ToolRegistry();
  registry.set('a', [tool('a', 'x')]);
  registry.set('b', [tool('b', 'y')]);
  registry.remove('a');
  assert.deepEqual(registry.all().map((t) => t.componentId), ['b']);
  registry.remove('missing');
  assert.equal(registry.all().length, 1);
});
