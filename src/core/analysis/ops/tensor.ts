import type { OpRules } from './types';

export const tensorRules: OpRules = {};
