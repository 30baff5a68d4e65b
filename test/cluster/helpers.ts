// Small builders for pure-core tests.
import { parseAddress, type UniqueAddress } from '../../src/address.js';
import type { Member, MemberStatus } from '../../src/cluster/api.js';
import { emptyGossip, updateMembers, type Gossip } from '../../src/cluster/gossip.js';
import { makeMember, NOT_UP_NUMBER } from '../../src/cluster/member.js';

export function node(host: string, uid: bigint = 1n, port = 17355): UniqueAddress {
  return { address: parseAddress(`pekko://sys@${host}:${port}`), uid };
}

export function member(
  ua: UniqueAddress,
  status: MemberStatus,
  upNumber: number = status === 'Joining' || status === 'WeaklyUp' ? NOT_UP_NUMBER : 1,
  roles: string[] = [],
): Member {
  return makeMember(ua, status, ['dc-default', ...roles], '1.0.0', upNumber);
}

export function gossipOf(members: Member[], seen: UniqueAddress[] = []): Gossip {
  const g = updateMembers(emptyGossip, members);
  return { ...g, seen: new Set(seen.map((s) => `${s.address.protocol}://${s.address.system}@${s.address.host}:${s.address.port}#${s.uid}`)) };
}
