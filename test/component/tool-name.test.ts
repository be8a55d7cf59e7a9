import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isValidToolName, MAX_TOOL_NAME_LENGTH, toolName } from '../../src/component/tool-name.js';
import type { ExportedFunction } from '../../src/component/wit-types.js';

function fn(name: string, iface?: string): ExportedFunction {
  return iface === undefined ? { name, params: [] } : { interface: iface, name, params: [] };
}

test('a world-level function keeps its WIT name', () => {
  assert.equal(toolName(fn('get-current-time')), 'get-current-time');
  assert.equal(toolName(fn('fetch')), 'fetch');
});

test('an interface function is namespace_package_interface_function without the version', () => {
  assert.equal(toolName(fn('get-weather', 'example:weather/weather-api@0.1.0')), 'example_weather_weather_api_get_weather');
  assert.equal(toolName(fn('add', 'local:calc/calculator@0.1.0')), 'local_calc_calculator_add');
  assert.equal(toolName(fn('handle', 'wasi:http/outgoing-handler@0.2.3-rc-2024-01-01+build.5')), 'wasi_http_outgoing_handler_handle');
});

test('an interface without a version or package keeps every part', () => {
  assert.equal(toolName(fn('get-current-time', 'local:time-server/time')), 'local_time_server_time_get_current_time');
  assert.equal(toolName(fn('run', 'tools')), 'tools_run');
  assert.equal(toolName(fn('run', 'a:b:c/d@1.0.0')), 'a_b_c_d_run');
});

test('exotic characters become underscores and case is kept', () => {
  const name = toolName(fn('get-HTTP-body', 'my.ns:pkg é/iface$x@1.0.0'));
  assert.equal(name, 'my_ns_pkg___iface_x_get_HTTP_body');
  assert.ok(isValidToolName(name));
  assert.equal(toolName(fn('we ird.name')), 'we_ird_name');
});

test('names up to 128 characters are kept as they are', () => {
  const exact = 'a'.repeat(MAX_TOOL_NAME_LENGTH);
  assert.equal(toolName(fn(exact)), exact);
  const iface = 'x:y/z';
  const fnName = 'f'.repeat(MAX_TOOL_NAME_LENGTH - 'x_y_z_'.length);
  assert.equal(toolName(fn(fnName, iface)).length, MAX_TOOL_NAME_LENGTH);
  assert.equal(toolName(fn(fnName, iface)), `x_y_z_${fnName}`);
});

test('longer names are truncated with a short sha256 suffix: unique, deterministic, valid', () => {
  const iface = `local:${'long-package'.repeat(8)}/${'interface'.repeat(6)}@1.0.0`;
  const a = toolName(fn('operation-a', iface));
  const b = toolName(fn('operation-b', iface));
  assert.equal(a.length, MAX_TOOL_NAME_LENGTH);
  assert.equal(b.length, MAX_TOOL_NAME_LENGTH);
  assert.notEqual(a, b);
  assert.equal(a, toolName(fn('operation-a', iface)));
  assert.ok(isValidToolName(a) && isValidToolName(b));
  const full = `${iface.slice(0, iface.indexOf('@'))}_operation-a`.replace(/[^A-Za-z0-9_]/g, '_');
  const digest = createHash('sha256').update(full).digest('hex').slice(0, 8);
  assert.equal(a, `${full.slice(0, MAX_TOOL_NAME_LENGTH - 9)}_${digest}`);
  assert.match(a, /_[0-9a-f]{8}$/);

  const longWorld = toolName(fn('x'.repeat(300)));
  assert.equal(longWorld.length, MAX_TOOL_NAME_LENGTH);
  assert.ok(isValidToolName(longWorld));
});

test('isValidToolName follows ^[A-Za-z0-9_-]{1,128}$', () => {
  assert.ok(isValidToolName('get-weather'));
  assert.ok(isValidToolName('A_b-9'));
  assert.ok(isValidToolName('a'.repeat(128)));
  assert.ok(!isValidToolName(''));
  assert.ok(!isValidToolName('a'.repeat(129)));
  assert.ok(!isValidToolName('has space'));
  assert.ok(!isValidToolName('ns:pkg/iface'));
  assert.ok(!isValidToolName('tool.name'));
  assert.ok(!isValidToolName('é'));
});
