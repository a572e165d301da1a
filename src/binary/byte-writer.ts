const encoder = new TextEncoder();

/** Writes the primitive encodings of the Wasm binary format; the mirror of ByteReader. */
export class ByteWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  u8(value: number): this {
    return this.raw(Uint8Array.of(value));
  }

  /** An unsigned LEB128. */
  u32(value: number): this {
    const out: number[] = [];
    do {
      let byte = value & 0x7f;
      value = Math.floor(value / 128);
      if (value !== 0) byte |= 0x80;
      out.push(byte);
    } while (value !== 0);
    return this.raw(Uint8Array.from(out));
  }

  /** A signed LEB128 of a non-negative value, as value types encode type indices (s33). */
  s33(value: number): this {
    const out: number[] = [];
    for (;;) {
      const byte = value & 0x7f;
      value = Math.floor(value / 128);
      if (value === 0 && (byte & 0x40) === 0) {
        out.push(byte);
        break;
      }
      out.push(byte | 0x80);
    }
    return this.raw(Uint8Array.from(out));
  }

  raw(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  /** A length-prefixed UTF-8 name. */
  name(text: string): this {
    const bytes = encoder.encode(text);
    return this.u32(bytes.length).raw(bytes);
  }

  /** A vector of items, each written by `item`. */
  vec<T>(items: readonly T[], item: (writer: this, value: T) => void): this {
    this.u32(items.length);
    for (const value of items) item(this, value);
    return this;
  }

  /** A section: its id, its size, then its contents (bytes, or another writer's, which are not copied). */
  section(id: number, contents: Uint8Array | ByteWriter): this {
    this.u8(id).u32(contents instanceof Uint8Array ? contents.length : contents.size);
    if (contents instanceof Uint8Array) return this.raw(contents);
    for (const chunk of contents.chunks) this.raw(chunk);
    return this;
  }

  /** How many bytes are written so far. */
  get size(): number {
    return this.length;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
