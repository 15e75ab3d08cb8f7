import type { OpRules } from './types';

export const controlRules: OpRules = {};
