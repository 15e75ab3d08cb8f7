import type { OpRules } from './types';

export const normRules: OpRules = {};
