import type { OpRules } from './types';

export const gemmRules: OpRules = {};
