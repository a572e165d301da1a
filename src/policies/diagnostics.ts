// Manifest problems keep character ranges until the last step; line:col and
// a caret excerpt are made only when one is shown.
import { LineCounter } from 'yaml';

/** One problem found in a manifest. */
export interface Diagnostic {
  /** A stable code: `yaml-syntax`, `unknown-key`, `wrong-type`, `bad-value`, `unsupported`. */
  readonly code: string;
  readonly message: string;
  /** The key path at fault, such as `env.host.allow[0]`; empty for the document. */
  readonly path: string;
  /** Character offsets [start, end) in the source. */
  readonly range: readonly [number, number];
}

const MAX_SHOWN = 10;

/** A manifest that cannot be used; carries every problem found, not just the first. */
export class ManifestError extends Error {
  constructor(readonly file: string, readonly source: string, readonly diagnostics: readonly Diagnostic[]) {
    // The same problem at the same place once, and a screenful at most: a broken file can yield thousands.
    const seen = new Set<string>();
    const distinct = diagnostics.filter((d) => !seen.has(`${d.range[0]}:${d.message}`) && seen.add(`${d.range[0]}:${d.message}`));
    const shown = distinct.slice(0, MAX_SHOWN).map((d) => formatDiagnostic(file, source, d));
    if (distinct.length > MAX_SHOWN) shown.push(`${file}: and ${distinct.length - MAX_SHOWN} more problems`);
    super(shown.join('\n'));
    this.name = 'ManifestError';
  }
}

/** `file:line:col: message (at key.path)`, then the line and a caret under the fault. */
export function formatDiagnostic(file: string, source: string, d: Diagnostic): string {
  const lines = new LineCounter();
  let at = 0;
  for (const line of source.split('\n')) {
    lines.addNewLine(at);
    at += line.length + 1;
  }
  const { line, col } = lines.linePos(Math.min(d.range[0], source.length));
  const text = source.split('\n')[line - 1] ?? '';
  const width = Math.max(1, Math.min(d.range[1], d.range[0] + text.length - col + 1) - d.range[0]);
  const where = d.path ? ` (at \`${shorten(printable(d.path))}\`)` : '';
  // A long line is cut to a window around the fault, so that one bad byte never prints kilobytes.
  const from = Math.max(0, Math.min(col - 1 - EXCERPT / 2, text.length - EXCERPT));
  const shown = printable(text.slice(from, from + EXCERPT));
  const caret = Math.min(width, EXCERPT - (col - 1 - from));
  const cut = `${from > 0 ? '...' : ''}${shown}${from + EXCERPT < text.length ? '...' : ''}`;
  return `${file}:${line}:${col}: error: ${d.message}${where}\n  ${cut}\n  ${' '.repeat(col - 1 - from + (from > 0 ? 3 : 0))}${'^'.repeat(Math.max(1, caret))}`;
}

// The columns of source shown around a fault.
const EXCERPT = 100;

/** Control characters (a NUL in a key, say) as escapes, so that a message prints as one clean line. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\t/g, ' ');
}

/** A name cut to its first and last characters when it is too long to read in a message. */
export function shorten(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max / 2)}...${text.slice(-max / 4)}`;
}
