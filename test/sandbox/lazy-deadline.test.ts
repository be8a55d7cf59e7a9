import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LazyDeadline } from '../../src/sandbox/lazy-deadline.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deadline whose expiries are recorded (with the time they happened) until `watching` is set false. */
function recorder() {
  const state = { watching: true, expired: [] as number[] };
  const deadline = new LazyDeadline(
    () => state.watching,
    () => state.expired.push(performance.now()),
  );
  return { state, deadline };
}

test('a deadline expires once it has passed', async () => {
  const { state, deadline } = recorder();
  const started = performance.now();
  deadline.start(30, true);
  for (let i = 0; i < 200 && state.expired.length === 0; i++) await sleep(10);
  assert.equal(state.expired.length, 1);
  assert.ok(state.expired[0] - started >= 30 - 1, 'not before its time');
});

test('a deadline moved later expires at the later time, not when the first timer fires', async () => {
  const { state, deadline } = recorder();
  deadline.start(40, true);
  await sleep(20);
  const moved = performance.now();
  deadline.start(80, true);
  for (let i = 0; i < 300 && state.expired.length === 0; i++) await sleep(10);
  assert.equal(state.expired.length, 1);
  assert.ok(state.expired[0] - moved >= 80 - 1, `expired ${(state.expired[0] - moved).toFixed(1)} ms after the move`);
});

test('a deadline moved earlier expires at the earlier time', async () => {
  const { state, deadline } = recorder();
  const started = performance.now();
  deadline.start(5000, true);
  deadline.start(20, true);
  for (let i = 0; i < 200 && state.expired.length === 0; i++) await sleep(10);
  assert.equal(state.expired.length, 1, 'expired well before the first deadline');
  assert.ok(state.expired[0] - started < 5000);
});

test('a deadline that no longer applies lapses, and the next start arms it again', async () => {
  const { state, deadline } = recorder();
  state.watching = false;
  deadline.start(20, true);
  await sleep(80);
  assert.deepEqual(state.expired, []);
  state.watching = true;
  deadline.start(20, true);
  for (let i = 0; i < 200 && state.expired.length === 0; i++) await sleep(10);
  assert.equal(state.expired.length, 1);
});

test('a stopped deadline never expires', async () => {
  const { state, deadline } = recorder();
  deadline.start(20, false);
  deadline.stop();
  await sleep(80);
  assert.deepEqual(state.expired, []);
});
