import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { json, sandboxWithAdder, show, type Sandbox } from './helpers.js';

let box: Sandbox;
before(async () => {
  box = await sandboxWithAdder();
});
after(async () => {
  await box.cleanup();
});

test('tool list and tool read', async () => {
  let r = await box.run(['tool', 'list']);
  assert.equal(r.code, 0, show(r));
  const list = json<{ tools: { name: string; component_id: string; description: string }[]; total: number }>(r);
  assert.deepEqual(list.tools.map((t) => [t.name, t.component_id]), [['add', 'adder'], ['spin', 'adder']]);
  r = await box.run(['tool', 'list', '-o', 'table']);
  assert.match(r.stdout, /^Name +\| Component \| Description\n/);
  assert.match(r.stdout, /\nadd +\| adder +\| add\(a: s32, b: s32\) -> s32\n/);

  r = await box.run(['tool', 'read', 'add']);
  assert.equal(r.code, 0, show(r));
  const tool = json<{ name: string; component_id: string; inputSchema: { properties: Record<string, unknown>; required: string[] }; outputSchema: { properties: Record<string, unknown> } }>(r);
  assert.equal(tool.component_id, 'adder');
  assert.deepEqual(tool.inputSchema.required, ['a', 'b']);
  assert.ok('result' in tool.outputSchema.properties);

  r = await box.run(['tool', 'read', 'nope']);
  assert.equal(r.code, 3, show(r));
  assert.equal(r.stderr, "Error: Tool 'nope' not found. List the available tools with: tapedeck tool list\n");
});

test('tool invoke returns the MCP result; table output prints the text', async () => {
  let r = await box.run(['tool', 'invoke', 'add', '--args', '{"a":2,"b":40}']);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json(r), { content: [{ type: 'text', text: '42' }], isError: false, structuredContent: { result: 42 } });
  r = await box.run(['tool', 'invoke', 'add', '--args', '{"a":-5,"b":3}', '-o', 'table']);
  assert.equal(r.stdout, '-2\n');
  r = await box.run(['tool', 'invoke', 'add', '--args', '-'], { input: '{"a":1,"b":1}' });
  assert.equal(json<{ structuredContent: { result: number } }>(r).structuredContent.result, 2);
});

test('tool invoke errors: invalid JSON, non-object, schema mismatch, unknown tool', async () => {
  let r = await box.run(['tool', 'invoke', 'add', '--args', '{a:1}']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: invalid --args: not valid JSON \(.*\); give an object such as --args '\{"city":"Paris"\}'/);
  assert.equal(r.stdout, '');

  r = await box.run(['tool', 'invoke', 'add', '--args', '[1,2]']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: invalid --args: the arguments must be a JSON object/);

  r = await box.run(['tool', 'invoke', 'add', '--args', '{"a":1}']);
  assert.equal(r.code, 2, show(r));
  assert.equal(json(r).isError, true);
  assert.match(r.stderr, /Error: invalid arguments: b: missing required property/);

  r = await box.run(['tool', 'invoke', 'add', '--args', '{"a":"x","b":1}']);
  assert.equal(r.code, 2, show(r));

  r = await box.run(['tool', 'invoke', 'nope']);
  assert.equal(r.code, 3, show(r));
  assert.match(r.stderr, /^Error: Tool 'nope' not found/);
});

test('tool invoke: a call that does not finish times out (exit 4)', async () => {
  let r = await box.run(['tool', 'invoke', 'spin', '--timeout', '500ms']);
  assert.equal(r.code, 4, show(r));
  assert.match(r.stderr, /Error: component 'adder' did not finish tool 'spin' within 500 ms/);
  r = await box.run(['tool', 'invoke', 'spin', '--timeout', 'soon']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: --timeout 'soon': use a duration such as 30s, 500ms or 2m/);
});
