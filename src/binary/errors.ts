/** A component or module that virt cannot read: truncated, not Wasm, or of a kind it does not support. */
export class ComponentReadError extends Error {
  /** Byte offset in the input where reading failed. */
  readonly offset: number;

  constructor(message: string, offset: number, options?: { cause?: unknown }) {
    super(`${message} (at byte ${offset})`, options);
    this.name = 'ComponentReadError';
    this.offset = offset;
  }
}
