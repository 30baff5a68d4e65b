import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, FrameError } from '../../src/cluster/framing.js';

/** Small deterministic PRNG so chunk boundaries are reproducible. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('a frame is a 4-byte big-endian length followed by the payload', () => {
  const frame = encodeFrame(Buffer.from('hello'));
  assert.deepEqual([...frame.subarray(0, 4)], [0, 0, 0, 5]);
  assert.equal(frame.subarray(4).toString(), 'hello');
  assert.deepEqual(encodeFrame([Buffer.of(1), Buffer.from('ab')]), Buffer.from([0, 0, 0, 3, 1, 0x61, 0x62]));
});

test('frames fed one byte at a time come out whole and in order', () => {
  const payloads = ['a', 'bc', 'x'.repeat(300), '{"json":true}'].map((s) => Buffer.from(s));
  const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
  const decoder = new FrameDecoder(1024);
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
  assert.deepEqual(out.map(String), payloads.map(String));
  assert.equal(decoder.pendingBytes, 0);
});

test('random chunk boundaries over 200 seeds never change the decoded frames', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = lcg(seed);
    const payloads: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const len = 1 + Math.floor(rnd() * 700);
      payloads.push(Buffer.from(Array.from({ length: len }, () => Math.floor(rnd() * 256))));
    }
    const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
    const decoder = new FrameDecoder(1000);
    const out: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const n = 1 + Math.floor(rnd() * 900);
      out.push(...decoder.push(stream.subarray(at, at + n)));
      at += n;
    }
    assert.equal(out.length, payloads.length, `seed ${seed}`);
    out.forEach((p, i) => assert.ok(p.equals(payloads[i] as Buffer), `seed ${seed} frame ${i}`));
  }
});

test('a frame of exactly the maximum size is accepted, one byte more is rejected from its header alone', () => {
  const ok = new FrameDecoder(8);
  assert.equal(ok.push(encodeFrame(Buffer.alloc(8, 7)))[0]?.length, 8);
  const decoder = new FrameDecoder(8);
  // Only the header arrives: the decoder must refuse before waiting for (and buffering) the payload.
  assert.throws(
    () => decoder.push(Buffer.from([0, 0, 0, 9])),
    (err: unknown) => err instanceof FrameError && err.kind === 'oversized' && err.length === 9,
  );
  const huge = new FrameDecoder(256 * 1024);
  assert.throws(() => huge.push(Buffer.from([0xff, 0xff, 0xff, 0xff])), /exceeds maximum-frame-size 262144/);
});

test('an empty frame is malformed', () => {
  const decoder = new FrameDecoder(100);
  assert.throws(
    () => decoder.push(Buffer.from([0, 0, 0, 0])),
    (err: unknown) => err instanceof FrameError && err.kind === 'empty',
  );
});

test('frames before a bad header are still returned by earlier pushes', () => {
  const decoder = new FrameDecoder(16);
  assert.deepEqual(decoder.push(encodeFrame(Buffer.from('ok'))).map(String), ['ok']);
  assert.throws(() => decoder.push(Buffer.from([0, 1, 0, 0])), FrameError);
});
