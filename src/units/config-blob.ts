// Writes config blobs in the little-endian layout that the adapters' config
// reader (src/virtual-env/assembly/config.ts) reads.

const encoder = new TextEncoder();

/** Builds one config blob. */
export class ConfigBlob {
  private bytes: number[] = [];

  u32(value: number): this {
    this.bytes.push(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
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

  raw(bytes: Uint8Array): this {
    for (const byte of bytes) this.bytes.push(byte);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
