/**
 * A growable byte buffer written in place: `buf[0..length)` holds what was written. Reused from
 * message to message on ingest's hot path (reset, write, copy out), so it allocates only when a
 * message is larger than any before it.
 */
export class ByteWriter {
  buf: Buffer;
  length = 0;

  constructor(initialBytes = 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `n` more bytes; `buf` may be a new buffer afterwards. */
  room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** Appends `b[start..end)`: a loop for the few bytes of a name or number, a copy beyond. */
  bytes(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    this.room(n);
    if (n <= 32) {
      const out = this.buf;
      let len = this.length;
      for (let i = start; i < end; i++) out[len++] = b[i]!;
      this.length = len;
    } else {
      this.buf.set(start === 0 && end === b.length ? b : b.subarray(start, end), this.length);
      this.length += n;
    }
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.length++] = c;
  }

  /** Appends a string as UTF-8. */
  text(s: string): void {
    this.room(Buffer.byteLength(s));
    this.length += this.buf.write(s, this.length, 'utf8');
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}
