// Builds the resolver's view (strategy.ts) from a node's gossip: own-DC Unreachable/Terminated
// records, subjects somebody cannot reach plus members already Down, and who has seen this version.
// Records from or about a member that is Down, Exiting or no longer a member are left out (spec
// §0.1, §6.5): a dead observer never clears its row, so its stale observations would otherwise
// look like an indirect connection or a live unreachable side long after it stopped.
import type { UniqueAddress } from '../../address.js';
import { formatAddress, uniqueAddressKey } from '../../address.js';
import type { Gossip } from '../gossip.js';
import type { SbrView } from './strategy.js';

export function viewFromGossip(self: UniqueAddress, selfDataCenter: string, g: Gossip): SbrView {
  const live = new Set(
    g.members.filter((m) => m.status !== 'Down' && m.status !== 'Exiting').map((m) => uniqueAddressKey(m.uniqueAddress)),
  );
  const records = g.reachability.records
    .filter((r) => r.status !== 'Reachable' && live.has(uniqueAddressKey(r.observer)) && live.has(uniqueAddressKey(r.subject)))
    .map((r) => ({ observer: r.observer, subject: r.subject }));
  const unreachable = new Set(records.map((r) => uniqueAddressKey(r.subject)));
  // Pekko's resolver counts a downed member as unreachable too.
  for (const m of g.members) if (m.status === 'Down') unreachable.add(uniqueAddressKey(m.uniqueAddress));
  unreachable.delete(uniqueAddressKey(self));
  const seenBy = new Set(g.members.filter((m) => g.seen.has(uniqueAddressKey(m.uniqueAddress))).map((m) => formatAddress(m.uniqueAddress.address)));
  return { self, selfDataCenter, members: g.members, unreachable, records, seenBy };
}
