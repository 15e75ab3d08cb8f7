/**
 * The `convlens.profile.*` and `convlens.runtime.*` settings (package.json
 * `contributes.configuration`): one place for the commands and the model view.
 */
import * as vscode from 'vscode';
import type { ProfileOptions } from '../core/report/profile';
import { parseDType } from '../core/dtype';
import { OPTIMIZERS, type Optimizer } from '../core/analysis/memory';
import { parseByteSize } from '../core/report/format';
import { DEFAULT_BUDGET, DEFAULT_BUDGET_BYTES } from '../core/report/model-session';
import { ENGINE_SETTINGS, PROVIDER_SETTINGS, RUN_DEFAULTS, TFJS_BACKEND_SETTINGS, type EngineSetting, type InputFill, type ProviderSetting, type TfjsBackendSetting } from '../runtime/messages';

/**
 * The `convlens.profile.*` settings (package.json `contributes.configuration`)
 * for `resource`, as profile options. Invalid values are reported in
 * `problems` and ignored (the model's own shapes and types, and Adam, apply).
 */
export function profileSettings(resource?: vscode.Uri): { options: ProfileOptions; optimizer: Optimizer; budgetBytes: number; problems: string[] } {
  const config = vscode.workspace.getConfiguration('convlens', resource);
  const problems: string[] = [];
  const options: ProfileOptions = {};

  const optimizer = config.get<unknown>('profile.optimizer', 'adam');
  if (typeof optimizer === 'string' && (OPTIMIZERS as readonly string[]).includes(optimizer)) options.optimizer = optimizer as Optimizer;
  else problems.push(`convlens.profile.optimizer: expected sgd, momentum or adam, got ${JSON.stringify(optimizer)}; using adam`);

  const checkpoint = config.get<unknown>('profile.checkpoint', []);
  if (Array.isArray(checkpoint) && checkpoint.every((c) => typeof c === 'string')) {
    if (checkpoint.length) options.checkpoint = checkpoint;
  } else problems.push(`convlens.profile.checkpoint: expected a list of group names such as ["layer3"], got ${JSON.stringify(checkpoint)}; checkpointing nothing`);

  const batch = config.get<unknown>('profile.batchSize', null);
  if (typeof batch === 'number' && Number.isInteger(batch) && batch >= 1) options.batch = batch;
  else if (batch !== null && batch !== undefined) problems.push(`convlens.profile.batchSize: expected an integer ≥ 1 or null, got ${JSON.stringify(batch)}; using the model's own`);

  const dtype = config.get<unknown>('profile.inputDtype', null);
  const parsed = typeof dtype === 'string' ? parseDType(dtype) : undefined;
  if (parsed) options.inputDtype = parsed;
  else if (dtype !== null && dtype !== undefined) problems.push(`convlens.profile.inputDtype: unknown element type ${JSON.stringify(dtype)}; using the model's own`);

  const budget = config.get<unknown>('profile.memoryBudget', DEFAULT_BUDGET);
  let budgetBytes = parseByteSize(typeof budget === 'string' ? budget : '') ?? 0;
  if (!(budgetBytes > 0)) {
    problems.push(`convlens.profile.memoryBudget: expected a size such as "8 GiB" or "512 MB", got ${JSON.stringify(budget)}; using ${DEFAULT_BUDGET}`);
    budgetBytes = DEFAULT_BUDGET_BYTES;
  }

  return { options, optimizer: options.optimizer ?? 'adam', budgetBytes, problems };
}

/** The `convlens.runtime.*` settings: how "Profile Model…" runs a model. */
export interface RuntimeSettings {
  provider: ProviderSetting;
  warmup: number;
  runs: number;
  timeoutMs: number;
  input: InputFill;
  engine: EngineSetting;
  tfjsBackend: TfjsBackendSetting;
}

export function runtimeSettings(resource?: vscode.Uri): { settings: RuntimeSettings; problems: string[] } {
  const config = vscode.workspace.getConfiguration('convlens', resource);
  const problems: string[] = [];
  const provider = config.get<unknown>('runtime.executionProvider', 'auto');
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = config.get<unknown>(key, fallback);
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    problems.push(`convlens.${key}: expected an integer ${min}–${max}, got ${JSON.stringify(v)}; using ${fallback}`);
    return fallback;
  };
  const input = config.get<unknown>('runtime.input', 'random');
  const settings: RuntimeSettings = {
    provider: (PROVIDER_SETTINGS as readonly unknown[]).includes(provider) ? (provider as ProviderSetting) : 'auto',
    warmup: int('runtime.warmupRuns', RUN_DEFAULTS.warmupRuns, 0, 1000),
    runs: int('runtime.timedRuns', RUN_DEFAULTS.timedRuns, 1, 100_000),
    timeoutMs: int('runtime.timeoutSeconds', RUN_DEFAULTS.timeoutSeconds, 1, 86_400) * 1000,
    input: input === 'zeros' ? 'zeros' : 'random',
    engine: 'auto',
    tfjsBackend: 'auto',
  };
  const engine = config.get<unknown>('runtime.engine', 'auto');
  if ((ENGINE_SETTINGS as readonly unknown[]).includes(engine)) settings.engine = engine as EngineSetting;
  else problems.push(`convlens.runtime.engine: expected ${ENGINE_SETTINGS.join(', ')}, got ${JSON.stringify(engine)}; using auto`);
  const backend = config.get<unknown>('runtime.tfjsBackend', 'auto');
  if ((TFJS_BACKEND_SETTINGS as readonly unknown[]).includes(backend)) settings.tfjsBackend = backend as TfjsBackendSetting;
  else problems.push(`convlens.runtime.tfjsBackend: expected ${TFJS_BACKEND_SETTINGS.join(', ')}, got ${JSON.stringify(backend)}; using auto`);
  if (!(PROVIDER_SETTINGS as readonly unknown[]).includes(provider)) problems.push(`convlens.runtime.executionProvider: expected ${PROVIDER_SETTINGS.join(', ')}, got ${JSON.stringify(provider)}; using auto`);
  if (input !== 'zeros' && input !== 'random') problems.push(`convlens.runtime.input: expected random or zeros, got ${JSON.stringify(input)}; using random`);
  return { settings, problems };
}
