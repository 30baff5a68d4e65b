// Length-prefixed frames for the cluster transport: a 4-byte big-endian length, then that many
// bytes of payload. The length is checked before any payload is buffered, so a hostile or broken
// peer can never make a connection hold more than one maximum-size frame in memory.

export const FRAME_HEADER_BYTES = 4;

export type FrameErrorKind = 'oversized' | 'empty';

/** A stream that cannot be framed any further; the connection carrying it must be closed. */
export class FrameError extends Error {
  constructor(
    readonly kind: FrameErrorKind,
    readonly length: number,
    readonly maxFrameSize: number,
  ) {
    super(
      kind === 'oversized'
        ? `frame of ${length} bytes exceeds maximum-frame-size ${maxFrameSize}`
        : 'empty frame (length 0)',
    );
    this.name = 'FrameError';
  }
}

/** Prefixes the payload (given whole or in parts) with its length; the caller checks the size limit. */
export function encodeFrame(payload: Buffer | readonly Buffer[]): Buffer {
  const parts = Buffer.isBuffer(payload) ? [payload] : payload;
  let length = 0;
  for (const p of parts) length += p.length;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  let at = FRAME_HEADER_BYTES;
  for (const p of parts) at += p.copy(frame, at);
  return frame;
}

/**
 * Incremental decoder: feed it socket chunks of any size and it returns the complete payloads.
 * After it throws a FrameError it must not be used again.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Payload length of the frame being read, or -1 while waiting for a header. */
  private expected = -1;

  constructor(public maxFrameSize: number) {}

  /** Bytes held for a frame that is not complete yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length === 0) throw new FrameError('empty', 0, this.maxFrameSize);
        if (length > this.maxFrameSize) throw new FrameError('oversized', length, this.maxFrameSize);
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = -1;
    }
    return frames;
  }

  /** Removes and returns the next n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    this.buffered -= n;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const need = n - filled;
      if (c.length <= need) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, need);
        this.chunks[0] = c.subarray(need);
        filled += need;
      }
    }
    return out;
  }
}
