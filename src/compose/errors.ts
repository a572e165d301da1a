/** A composition that cannot be made: names the interface or node at fault. */
export class CompositionError extends Error {
  /** The interface or component the error is about. */
  readonly subject: string;

  constructor(message: string, subject: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CompositionError';
    this.subject = subject;
  }
}
