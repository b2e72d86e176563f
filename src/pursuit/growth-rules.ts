/** Every growth rule by name (src/pursuit/growth-rule.ts says what a rule is). */
import type { GrowthRule } from './growth-rule.js';
import { GROWTH_RULES, type GrowthRuleName } from './options.js';
import { gradmaxRule } from './rules/gradmax.js';
import { npRule } from './rules/np.js';
import { randomRule } from './rules/random.js';
import { tinyRule } from './rules/tiny.js';

export { GROWTH_RULES, type GrowthRuleName };

const RULES: Record<GrowthRuleName, GrowthRule> = {
  np: npRule,
  gradmax: gradmaxRule,
  tiny: tinyRule,
  random: randomRule,
};

export function growthRule(name: GrowthRuleName): GrowthRule {
  return RULES[name];
}
