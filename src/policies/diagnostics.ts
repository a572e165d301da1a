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

/** A manifest that cannot be used; carries every problem found, not just the first. */
export class ManifestError extends Error {
  constructor(readonly file: string, readonly source: string, readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => formatDiagnostic(file, source, d)).join('\n'));
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
  const where = d.path ? ` (at \`${d.path}\`)` : '';
  return `${file}:${line}:${col}: error: ${d.message}${where}\n  ${text}\n  ${' '.repeat(col - 1)}${'^'.repeat(width)}`;
}
