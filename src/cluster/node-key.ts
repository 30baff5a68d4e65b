// Map keys for node incarnations, memoized per UniqueAddress object: gossip handling looks up
// members by key constantly, and formatting an address each time dominated the profile.
import { uniqueAddressKey, type UniqueAddress } from '../address.js';

const cache = new WeakMap<UniqueAddress, string>();

/** The same string as uniqueAddressKey(u), computed once per object. */
export function nodeKey(u: UniqueAddress): string {
  let k = cache.get(u);
  if (k === undefined) {
    k = uniqueAddressKey(u);
    cache.set(u, k);
  }
  return k;
}
