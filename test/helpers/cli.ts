import { main } from '../../src/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, capturing its output. */
export async function runCli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, (s) => (stdout += s), (s) => (stderr += s));
  return { code, stdout, stderr };
}
