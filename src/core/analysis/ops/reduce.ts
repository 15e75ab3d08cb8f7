import type { OpRules } from './types';

export const reduceRules: OpRules = {};
