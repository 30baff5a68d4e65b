// The client side of the seed-nodes document (spec 2.7): what a prober reads back from
// GET /bootstrap/seed-nodes. The server side writes it with management/seed-nodes-json.ts.
// nodeUid is a bare 64-bit JSON integer and must be read exactly.
import { isInt64, parseAddress, type Address } from '../address.js';
import { parseWithBigInt, type JsonValue } from '../json.js';

/** At most this many members are exposed (a constant in Pekko too). */
export const MAX_SEED_NODES_TO_EXPOSE = 5;

export interface SeedNodeEntry {
  readonly node: Address;
  readonly nodeUid: bigint;
  readonly status: string;
  readonly roles: readonly string[];
}

export interface SeedNodesDocument {
  readonly selfNode: Address;
  readonly seedNodes: readonly SeedNodeEntry[];
  /**
   * Muster-only `muster.contactPoints`: the contact points (`host:port`) the answering node has
   * discovered while it bootstraps with the replicas fast path on. Absent otherwise.
   */
  readonly contactPoints?: readonly string[];
}

/** More contact points than this in an answer is not a deployment Muster bootstraps; ignore them. */
const MAX_REPORTED_CONTACT_POINTS = 10_000;

export class SeedNodesFormatError extends Error {
  constructor(message: string) {
    super(`Invalid seed-nodes response: ${message}`);
    this.name = 'SeedNodesFormatError';
  }
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function address(v: JsonValue | undefined, what: string): Address {
  if (typeof v !== 'string') throw new SeedNodesFormatError(`${what} must be an address string`);
  try {
    return parseAddress(v);
  } catch (e) {
    throw new SeedNodesFormatError(`${what}: ${(e as Error).message}`);
  }
}

function entry(v: JsonValue, index: number): SeedNodeEntry {
  const where = `seedNodes[${index}]`;
  if (!isObject(v)) throw new SeedNodesFormatError(`${where} must be an object`);
  const uid = v['nodeUid'];
  let nodeUid: bigint;
  if (typeof uid === 'bigint') nodeUid = uid;
  else if (typeof uid === 'number' && Number.isInteger(uid)) nodeUid = BigInt(uid);
  else throw new SeedNodesFormatError(`${where}.nodeUid must be an integer`);
  if (!isInt64(nodeUid)) throw new SeedNodesFormatError(`${where}.nodeUid is outside the 64-bit range`);
  const status = v['status'];
  if (typeof status !== 'string') throw new SeedNodesFormatError(`${where}.status must be a string`);
  const roles = v['roles'];
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
    throw new SeedNodesFormatError(`${where}.roles must be an array of strings`);
  }
  return { node: address(v['node'], `${where}.node`), nodeUid, status, roles: roles as string[] };
}

/** Parses and validates a seed-nodes body; every entry needs all four fields with the right types. */
export function parseSeedNodesJson(text: string): SeedNodesDocument {
  let doc: JsonValue;
  try {
    doc = parseWithBigInt(text, { bigintKeys: ['nodeUid'] });
  } catch (e) {
    throw new SeedNodesFormatError((e as Error).message);
  }
  if (!isObject(doc)) throw new SeedNodesFormatError('expected a JSON object');
  const seeds = doc['seedNodes'];
  if (!Array.isArray(seeds)) throw new SeedNodesFormatError('seedNodes must be an array');
  const contactPoints = reportedContactPoints(doc['muster']);
  return {
    selfNode: address(doc['selfNode'], 'selfNode'),
    seedNodes: seeds.map(entry),
    ...(contactPoints !== undefined && { contactPoints }),
  };
}

/** The fast-path extension; anything malformed counts as absent, which only keeps the slow path. */
function reportedContactPoints(v: JsonValue | undefined): string[] | undefined {
  if (!isObject(v)) return undefined;
  const list = v['contactPoints'];
  if (!Array.isArray(list) || list.length > MAX_REPORTED_CONTACT_POINTS) return undefined;
  return list.every((x) => typeof x === 'string') ? (list as string[]) : undefined;
}
