/**
 * One fresh process, one model: loadModelFile (as the CLI loads), inferShapes, and profileModel
 * when the report module provides it, once each. Prints JSON with the timings,
 * the RSS before reading the file and the process's peak RSS (bytes), so that
 * peak memory is not polluted by other models (see `peakRssBytes`).
 *
 *   node --import tsx bench/profile-one.ts <model.onnx>
 */
import { readFileSync } from 'node:fs';
import type { Model } from '../src/core/ir';
import { loadModelFileSync } from '../src/core/loaders/index';
import { inferShapes } from '../src/core/analysis/infer';

export interface OneResult {
  loadMs: number;
  inferMs: number;
  /** null when src/core/report/profile.ts has no profileModel. */
  profileMs: number | null;
  rssBeforeBytes: number;
  maxRssBytes: number;
}

export type ProfileFn = (model: Model) => unknown;

/** profileModel from the report module, when it exists and loads (it is optional for the bench). */
export function findProfiler(): ProfileFn | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous, optional load: the module may be missing at the revision under bench
    const mod = require('../src/core/report/profile') as Record<string, unknown>;
    const f = mod.profileModel;
    return typeof f === 'function' ? (model) => (f as ProfileFn)(model) : null;
  } catch {
    return null;
  }
}

/**
 * Peak RSS of this process image in bytes. Linux's VmHWM belongs to the
 * current address space; getrusage's maxrss (process.resourceUsage) survives
 * exec and so includes the RSS of the parent at fork time, which made a child
 * of a big bench process look big.
 */
export function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Loads as the CLI does: files over 16 MiB are read in ranges, weights left on disk. */
export function loadModel(file: string): Model {
  return loadModelFileSync(file).model;
}

function main(file: string): void {
  const profile = findProfiler();
  const rssBeforeBytes = process.memoryUsage().rss;
  let t = performance.now();
  const model = loadModel(file);
  const loadMs = performance.now() - t;
  t = performance.now();
  inferShapes(model);
  const inferMs = performance.now() - t;
  let profileMs: number | null = null;
  if (profile) {
    t = performance.now();
    profile(model);
    profileMs = performance.now() - t;
  }
  const result: OneResult = { loadMs, inferMs, profileMs, rssBeforeBytes, maxRssBytes: peakRssBytes() };
  console.log(JSON.stringify(result));
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node --import tsx bench/profile-one.ts <model.onnx>');
    process.exit(2);
  }
  try {
    main(file);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
