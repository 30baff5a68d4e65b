// The pod-deletion-cost a node gives its own pod (Pekko Management's "older costs more"): the N
// oldest members get 10000, 9900, 9800, ... (oldest highest; steps of 100 leave room for manual
// values), everyone else 0. A ReplicaSet scaling down deletes pods with a lower cost first, so the
// youngest pods go first and the oldest, where singletons run, go last.
import { uniqueAddressEquals, type UniqueAddress } from '../address.js';
import type { Member } from '../cluster/api.js';
import { compareAge } from '../cluster/member.js';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';
const MAX_COST = 10_000;
const STEP = 100;

export function podDeletionCost(self: UniqueAddress, members: readonly Member[], annotatedPodsNr: number): number {
  const byAge = members.filter((m) => m.status !== 'Removed').sort(compareAge).slice(0, annotatedPodsNr);
  const i = byAge.findIndex((m) => uniqueAddressEquals(m.uniqueAddress, self));
  return i < 0 ? 0 : MAX_COST - i * STEP;
}
