import type { OpRules } from './types';

export const convRules: OpRules = {};
