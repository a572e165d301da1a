import { ComponentReadError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads the primitive encodings of the Wasm binary format; every error names its byte offset. */
export class ByteReader {
  offset: number;

  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length) {
    this.offset = start;
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  fail(message: string): never {
    throw new ComponentReadError(message, this.offset);
  }

  u8(): number {
    if (this.offset >= this.end) this.fail('unexpected end of input');
    return this.bytes[this.offset++];
  }

  peek(): number {
    if (this.offset >= this.end) this.fail('unexpected end of input');
    return this.bytes[this.offset];
  }

  /** An unsigned LEB128 of at most 32 bits. */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) this.fail('integer too large');
        return result;
      }
    }
    return this.fail('integer representation too long');
  }

  /** A signed LEB128 of at most 32 bits (an `i32.const`). */
  s32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return (byte & 0x40 ? result - 2 ** (shift + 7) : result) | 0;
    }
    return this.fail('integer representation too long');
  }

  /** Reads past a LEB128 of any width (an `i64.const`), without its value. */
  skipLeb(): void {
    while (this.u8() & 0x80);
  }

  /** Raw bytes, as a view into the input. */
  take(length: number): Uint8Array {
    if (this.offset + length > this.end) this.fail('unexpected end of input');
    const view = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }

  /** A length-prefixed UTF-8 name. */
  name(): string {
    const start = this.offset;
    const bytes = this.take(this.u32());
    try {
      return decoder.decode(bytes);
    } catch (cause) {
      throw new ComponentReadError('name is not valid UTF-8', start, { cause });
    }
  }

  /** A vector: a u32 count, then `count` items. */
  vec<T>(item: () => T): T[] {
    const count = this.u32();
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(item());
    return items;
  }
}
