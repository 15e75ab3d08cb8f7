/**
 * What a user sees when the CLI meets a hostile file: the contract of issue
 * #11 (exit 0 or 2, exactly one stderr line on failure, no JavaScript
 * internals, no impossible figures), checked in one place.
 */
import assert from 'node:assert/strict';
import type { CliRun } from './cli';

/** Text that betrays a JavaScript bug rather than a message written for the user. */
export const JS_INTERNALS = /TypeError|RangeError|ReferenceError|SyntaxError: |is not a function|is not iterable|Cannot read propert|Cannot set propert|Maximum call stack|undefined|NaN|Infinity|\bat .*:\d+:\d+|Invalid typed array|Invalid array length|Aborted\(|wasm-function|\[object Object\]/;

/** A run that either succeeded or failed cleanly: exit 0, or 2 with one line naming the problem. */
export function assertClean(r: CliRun, what: string): void {
  assert.ok(r.code === 0 || r.code === 2, `${what}: exit ${r.code}: ${r.stderr}`);
  if (r.code === 2) {
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `${what}: more than one stderr line: ${JSON.stringify(r.stderr)}`);
    assert.ok(r.stderr.endsWith('\n'), `${what}: stderr line not terminated`);
  }
  assert.doesNotMatch(r.stderr, JS_INTERNALS, `${what}: ${r.stderr}`);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stderr.slice(0, -1), /[\u0000-\u001f\u007f]/, `${what}: raw control characters on stderr: ${JSON.stringify(r.stderr)}`);
}
