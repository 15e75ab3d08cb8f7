import { main } from '../../src/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, capturing its output. */
export function runCli(...args: string[]): CliRun {
  let stdout = '';
  let stderr = '';
  const code = main(args, (s) => (stdout += s), (s) => (stderr += s));
  if (typeof code !== 'number') throw new Error('runCli: this command is asynchronous; use runCliAsync');
  return { code, stdout, stderr };
}

/** The same for commands that wait (profile --run). */
export async function runCliAsync(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, (s) => (stdout += s), (s) => (stderr += s));
  return { code, stdout, stderr };
}
