import type { OpRules } from './types';

export const shapeRules: OpRules = {};
