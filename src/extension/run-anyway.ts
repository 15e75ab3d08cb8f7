/**
 * A run the static estimate says will not fit in the memory free is refused
 * by the runtime process (RuntimeError 'refused', with the figures); the
 * user may still run it: a modal question, as the CLI's --force.
 */
import * as vscode from 'vscode';
import { RuntimeError } from '../runtime/client';
import { printable } from '../core/user-message';

/** True when `err` is a refusal and the user chose to run anyway. */
export async function confirmRunAnyway(file: string, err: unknown): Promise<boolean> {
  if (!(err instanceof RuntimeError) || err.kind !== 'refused') return false;
  const choice = await vscode.window.showWarningMessage(
    `ConvLens: ${printable(file)} ${err.message}.`,
    { modal: true, detail: 'Running it anyway may make this machine swap or run out of memory. The run is stopped if its process uses more than 90% of the memory available when it starts.' },
    'Run anyway',
  );
  return choice === 'Run anyway';
}

/** A refusal the user has seen in the modal question: logged, not shown again. */
export const isRefusal = (err: unknown): boolean => err instanceof RuntimeError && err.kind === 'refused';
