import type { OpRules } from './types';

export const resizeRules: OpRules = {};
