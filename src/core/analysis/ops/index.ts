/**
 * The operator table: every shape rule, registered by op type (default
 * domain) or `domain:OpType`. One module per operator family.
 */
import type { OpRules } from './types';
import { elementwiseRules } from './elementwise';
import { convRules } from './conv';
import { poolRules } from './pool';
import { normRules } from './norm';
import { gemmRules } from './gemm';
import { resizeRules } from './resize';
import { shapeRules } from './shape';
import { tensorRules } from './tensor';
import { reduceRules } from './reduce';
import { controlRules } from './control';
import { miscRules } from './misc';
import { nullProto } from '../../lookup';

export const OP_RULES: OpRules = nullProto({
  ...elementwiseRules,
  ...convRules,
  ...poolRules,
  ...normRules,
  ...gemmRules,
  ...resizeRules,
  ...shapeRules,
  ...tensorRules,
  ...reduceRules,
  ...controlRules,
  ...miscRules,
});
