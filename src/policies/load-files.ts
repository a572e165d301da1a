// Reads the files a Plan names (stdin from a file, for now) through a reader
// the caller gives: the library reads no file by itself; the CLI reads them
// relative to the manifest.
import { ManifestError } from './diagnostics.js';
import type { Plan } from './plan.js';

/** Reads a file that a manifest names, by the path as written. */
export type ManifestFileReader = (path: string) => Promise<Uint8Array>;

/** The Plan with every file it names read; a file that cannot be read is a ManifestError at its line. */
export async function loadPlanFiles(plan: Plan, read: ManifestFileReader | undefined, manifest: { source: string; file: string }): Promise<Plan> {
  const stdin = plan.stdio.stdin;
  if (stdin.mode !== 'file') return plan;
  try {
    if (!read) throw new Error('this build was given no way to read files');
    const data = await read(stdin.path);
    return { ...plan, stdio: { ...plan.stdio, stdin: { mode: 'text', data } } };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (cause as Error).message;
    throw new ManifestError(manifest.file, manifest.source, [
      { code: 'missing-file', message: `cannot read \`${stdin.path}\`: ${why}`, path: 'stdio.stdin.file', range: stdin.at },
    ]);
  }
}
