// Self's own row of the reachability table (spec §5.4), edited by the failure detector through
// the plugin context: one new gossip version for all the subjects of one call.
import { formatAddress, uniqueAddressEquals, type UniqueAddress } from '../../address.js';
import { findMember } from '../gossip.js';
import { changeReachability, type ReachabilityStatus } from '../reachability.js';
import type { NodeCore } from './core.js';

export function markOwnReachability(c: NodeCore, subjects: readonly UniqueAddress[], status: ReachabilityStatus): void {
  if (c.phase !== 'initialized') return;
  let r = c.gossip.reachability;
  for (const s of subjects) {
    if (uniqueAddressEquals(s, c.self) || !findMember(c.gossip, s)) continue;
    r = changeReachability(r, c.self, s, status);
  }
  if (r === c.gossip.reachability) return;
  for (const s of subjects) {
    c.logger.info({ node: formatAddress(s.address), status }, `Marking node as ${status.toUpperCase()}`);
  }
  c.updateGossip(c.stamped({ ...c.gossip, reachability: r }));
}
