// Every address an inbound message names: a message is accepted only when all of them belong to
// this actor system and an accepted protocol (spec §3.2, hardening §0.1).
import type { Address } from '../../address.js';
import type { ClusterMessage } from '../protocol.js';

export function messageAddresses(m: ClusterMessage): Address[] {
  switch (m.type) {
    case 'InitJoin':
    case 'InitJoinAck':
    case 'InitJoinNack':
      return [m.from];
    case 'Join':
    case 'ExitingConfirmed':
      return [m.node.address];
    case 'Leave':
    case 'Down':
      return [m.address];
    case 'Welcome':
      return [m.from.address, ...m.gossip.members.map((x) => x.uniqueAddress.address)];
    case 'GossipEnvelope':
      return [m.from.address, m.to.address, ...m.gossip.members.map((x) => x.uniqueAddress.address)];
    case 'GossipStatus':
    case 'Heartbeat':
    case 'HeartbeatRsp':
      return [m.from.address];
    case 'Quarantined':
    case 'UnknownIncarnation':
    case 'SingletonHandOver':
      return [m.from.address, m.to.address];
    case 'PrepareForShutdown':
      return [];
  }
}
