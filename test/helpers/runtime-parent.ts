/**
 * A parent of a runtime process, for tests that kill it: profiles the model
 * given as argument in a runtime child and writes `child <pid> <scratch folder>` when the
 * child is up (with its scratch folder) and each progress message as `progress <message>`, then waits.
 */
import { runInChild } from '../../src/runtime/client';

const modelPath = process.argv[2];
runInChild(
  { kind: 'profile', modelPath, provider: 'cpu', input: 'random', warmup: 1, runs: 1000 },
  {
    onStart: (pid, scratch) => process.stdout.write(`child ${pid} ${scratch}\n`),
    onProgress: (message) => process.stdout.write(`progress ${message}\n`),
  },
).then(
  () => process.stdout.write('done\n'),
  (e: Error) => process.stdout.write(`error ${e.message}\n`),
);
