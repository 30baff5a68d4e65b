// Reads the certificates out of a PKCS#12 trust store (RFC 7292). Node's TLS loads a PKCS#12
// file only together with a private key, but a Java trust store holds certificates alone, so
// config-ssl-engine's trust-store needs this small reader. It verifies the store's MAC (which
// also checks the password) and decrypts PBES2 (PBKDF2 + AES-CBC) bags, the format of OpenSSL 3
// and current JDKs. Older stores (RC2/3DES bag encryption) get an error saying how to convert.
import { createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual, X509Certificate } from 'node:crypto';

interface Der {
  readonly tag: number;
  /** Content bytes. */
  readonly body: Buffer;
}

/** One DER element at `offset`; returns it and the offset after it. */
function readDer(buf: Buffer, offset: number): { el: Der; next: number } {
  if (offset + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    pos += n;
  }
  if (pos + len > buf.length) throw new Error('truncated DER');
  return { el: { tag, body: buf.subarray(pos, pos + len) }, next: pos + len };
}

function children(el: Der): Der[] {
  const out: Der[] = [];
  for (let pos = 0; pos < el.body.length; ) {
    const { el: child, next } = readDer(el.body, pos);
    out.push(child);
    pos = next;
  }
  return out;
}

function one(buf: Buffer): Der {
  return readDer(buf, 0).el;
}

function oid(el: Der): string {
  if (el.tag !== 0x06) throw new Error('expected an OID');
  const b = el.body;
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

function int(el: Der): number {
  if (el.tag !== 0x02 || el.body.length > 6) throw new Error('expected a small INTEGER');
  return el.body.readUIntBE(0, el.body.length);
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

const HMAC_PRF: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const AES_CBC: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
};
const DIGESTS: Readonly<Record<string, { name: string; u: number; v: number }>> = {
  '1.3.14.3.2.26': { name: 'sha1', u: 20, v: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', u: 32, v: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
};

export class Pkcs12Error extends Error {}

/** The PKCS#12 key derivation (RFC 7292 appendix B) for the MAC key (id 3). */
function pkcs12Kdf(password: string, salt: Buffer, iterations: number, digest: { name: string; u: number; v: number }): Buffer {
  const { name, u, v } = digest;
  // BMPString, big endian, with a terminating NUL.
  const pw = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  const fill = (src: Buffer): Buffer => {
    if (src.length === 0) return src;
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, 3);
  const I = Buffer.concat([fill(salt), fill(pw)]);
  let A = Buffer.concat([D, I]);
  for (let i = 0; i < iterations; i++) A = createHash(name).update(A).digest();
  return A.subarray(0, u);
}

function verifyMac(pfx: Der[], authSafeContent: Buffer, password: string): void {
  const macData = pfx[2];
  if (!macData) throw new Pkcs12Error('the store has no MAC, so its password cannot be checked');
  const [digestInfo, macSalt, iterEl] = children(macData);
  const [algId, mac] = children(digestInfo!);
  const digestOid = oid(children(algId!)[0]!);
  const digest = DIGESTS[digestOid];
  if (!digest) throw new Pkcs12Error(`unsupported MAC digest ${digestOid}`);
  const key = pkcs12Kdf(password, macSalt!.body, iterEl ? int(iterEl) : 1, digest);
  const expected = createHmac(digest.name, key).update(authSafeContent).digest();
  if (expected.length !== mac!.body.length || !timingSafeEqual(expected, mac!.body)) {
    throw new Pkcs12Error('MAC check failed: wrong trust-store-password, or the file is damaged');
  }
}

function decryptPbes2(params: Der, encrypted: Buffer, password: string): Buffer {
  const [kdf, scheme] = children(params);
  const [kdfOid, kdfParams] = children(kdf!);
  if (oid(kdfOid!) !== OID.pbkdf2) throw new Pkcs12Error('PBES2 without PBKDF2 is not supported');
  const kp = children(kdfParams!);
  const salt = kp[0]!.body;
  const iterations = int(kp[1]!);
  const prfEl = kp.find((e) => e.tag === 0x30);
  const prf = prfEl ? HMAC_PRF[oid(children(prfEl)[0]!)] : 'sha1';
  const [schemeOid, iv] = children(scheme!);
  const cipher = AES_CBC[oid(schemeOid!)];
  if (!prf || !cipher) throw new Pkcs12Error('unsupported PBES2 cipher or PRF');
  const keyLength = Number(cipher.split('-')[1]) / 8;
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyLength, prf);
  const decipher = createDecipheriv(cipher, key, iv!.body);
  return Buffer.concat([decipher.update(encrypted), decipher.final()]);
}

/** PEM text of every certificate in the store. Throws Pkcs12Error with a reason. */
export function certificatesFromPkcs12(store: Buffer, password: string): string[] {
  try {
    const pfx = children(one(store));
    const authSafe = children(pfx[1]!);
    if (oid(authSafe[0]!) !== OID.data) throw new Pkcs12Error('public-key protected stores are not supported');
    // [0] EXPLICIT OCTET STRING holding the AuthenticatedSafe.
    const authSafeContent = one(authSafe[1]!.body).body;
    verifyMac(pfx, authSafeContent, password);
    const pems: string[] = [];
    for (const info of children(one(authSafeContent))) {
      const [type, content] = children(info);
      let safeContents: Buffer;
      if (oid(type!) === OID.data) {
        safeContents = one(content!.body).body;
      } else if (oid(type!) === OID.encryptedData) {
        const encInfo = children(children(one(content!.body))[1]!);
        const [algOid, algParams] = children(encInfo[1]!);
        if (oid(algOid!) !== OID.pbes2) {
          throw new Pkcs12Error(`certificates are encrypted with a legacy algorithm (${oid(algOid!)}) Node cannot decrypt`);
        }
        safeContents = decryptPbes2(algParams!, encInfo[2]!.body, password);
      } else {
        continue;
      }
      for (const bag of children(one(safeContents))) {
        const [bagId, bagValue] = children(bag);
        if (oid(bagId!) !== OID.certBag) continue;
        const [certType, certValue] = children(one(bagValue!.body));
        if (oid(certType!) !== OID.x509Certificate) continue;
        const der = one(certValue!.body).body;
        pems.push(new X509Certificate(der).toString());
      }
    }
    return pems;
  } catch (err) {
    if (err instanceof Pkcs12Error) throw err;
    throw new Pkcs12Error(`not a readable PKCS#12 store: ${(err as Error).message}`);
  }
}
