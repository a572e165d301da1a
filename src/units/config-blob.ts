// Writes config blobs in the little-endian layout that the adapters' config
// reader (src/virtual-env/assembly/config.ts) reads.

const encoder = new TextEncoder();

/** Builds one config blob. */
export class ConfigBlob {
  // A buffer that doubles as it fills: a tree of 100,000 files makes a blob of megabytes.
  private bytes = new Uint8Array(256);
  private used = 0;

  /** The bytes written so far. */
  get length(): number {
    return this.used;
  }

  private room(more: number): void {
    if (this.used + more <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + more));
    grown.set(this.bytes.subarray(0, this.used));
    this.bytes = grown;
  }

  u32(value: number): this {
    this.room(4);
    new DataView(this.bytes.buffer).setUint32(this.used, value >>> 0, true);
    this.used += 4;
    return this;
  }

  u64(value: bigint): this {
    return this.u32(Number(value & 0xffffffffn)).u32(Number((value >> 32n) & 0xffffffffn));
  }

  /** A u32 length, then the UTF-8 bytes. */
  text(value: string): this {
    const encoded = encoder.encode(value);
    this.u32(encoded.length);
    return this.raw(encoded);
  }

  /** The UTF-8 bytes alone. */
  utf8(value: string): this {
    return this.raw(encoder.encode(value));
  }

  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.bytes.set(bytes, this.used);
    this.used += bytes.length;
    return this;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.used);
  }
}
