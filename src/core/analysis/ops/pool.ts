import type { OpRules } from './types';

export const poolRules: OpRules = {};
