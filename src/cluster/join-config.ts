// The join configuration-compatibility check (spec §3.7), reduced to Pekko's built-in
// `pekko-cluster` checker: the downing provider must be equal, and the split brain resolver
// strategy too when both sides set one. Config travels as flat `path -> string` maps.
import type { ConfigCheck } from './protocol.js';

export const DOWNING_PROVIDER_KEY = 'pekko.cluster.downing-provider-class';
export const SBR_STRATEGY_KEY = 'pekko.cluster.split-brain-resolver.active-strategy';

export type JoinConfig = Readonly<Record<string, string>>;

export interface CompatResult {
  readonly valid: boolean;
  readonly problems: readonly string[];
}

export function checkJoinConfig(joining: JoinConfig, own: JoinConfig): CompatResult {
  const problems: string[] = [];
  const theirProvider = joining[DOWNING_PROVIDER_KEY] ?? '';
  const ownProvider = own[DOWNING_PROVIDER_KEY] ?? '';
  if (theirProvider !== ownProvider) {
    problems.push(`${DOWNING_PROVIDER_KEY} is [${theirProvider}] on the joining node but [${ownProvider}] in the cluster`);
  }
  const theirs = joining[SBR_STRATEGY_KEY];
  const mine = own[SBR_STRATEGY_KEY];
  if (theirs !== undefined && mine !== undefined && theirs !== mine) {
    problems.push(`${SBR_STRATEGY_KEY} is [${theirs}] on the joining node but [${mine}] in the cluster`);
  }
  return { valid: problems.length === 0, problems };
}

/** The cluster side's answer to an InitJoin carrying `joining`. */
export function answerInitJoin(joining: JoinConfig, own: JoinConfig): ConfigCheck {
  if (Object.keys(joining).length === 0) return { type: 'Unchecked' };
  if (!checkJoinConfig(joining, own).valid) return { type: 'Incompatible' };
  const config: Record<string, string> = {};
  for (const k of Object.keys(joining)) {
    const v = own[k];
    if (v !== undefined && Object.prototype.hasOwnProperty.call(own, k)) config[k] = v;
  }
  return { type: 'Compatible', config };
}
