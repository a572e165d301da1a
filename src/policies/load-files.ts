// Reads the files a Plan names (stdin from a file, embedded trees) through the
// file access the caller gives: the library reads no file by itself; the CLI
// gives Node's, relative to the manifest.
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { ManifestError } from './diagnostics.js';
import type { Mount, MountSource, Plan, SourceRange, TreeEntry } from './plan.js';

/** What a host path is, without following a final symlink (`lstat`) or following it (`stat`). */
export interface FileInfo {
  readonly kind: 'file' | 'dir' | 'symlink' | 'other';
  readonly size: number;
  readonly mtimeNs: bigint;
}

/** The file access a build needs for what the manifest names; paths are as written, or absolute. */
export interface ManifestFiles {
  /** The absolute form of a path as the manifest writes it. */
  resolve(path: string): string;
  readFile(path: string): Promise<Uint8Array>;
  lstat(path: string): Promise<FileInfo>;
  stat(path: string): Promise<FileInfo>;
  /** The names in a directory. */
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
}

function info(s: import('node:fs').BigIntStats): FileInfo {
  const kind = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : 'other';
  return { kind, size: Number(s.size), mtimeNs: s.mtimeNs };
}

/** Node's file access, with relative paths taken from `baseDir` (the manifest's directory). */
export function nodeFiles(baseDir: string): ManifestFiles {
  const at = (path: string): string => resolve(baseDir, path);
  return {
    resolve: at,
    readFile: async (path) => new Uint8Array(await readFile(at(path))),
    lstat: async (path) => info(await lstat(at(path), { bigint: true })),
    stat: async (path) => info(await stat(at(path), { bigint: true })),
    readdir: (path) => readdir(at(path)),
    readlink: (path) => readlink(at(path)),
  };
}

/** Where a build reports what it is doing. */
export type Progress = (message: string) => void;

function fileError(manifest: { source: string; file: string }, path: string, at: SourceRange, message: string): ManifestError {
  return new ManifestError(manifest.file, manifest.source, [{ code: 'missing-file', message, path, range: at }]);
}

/** Why a file could not be read, in words: `no such file`, `it is a directory`, ... */
export function unreadable(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
}

/** The Plan with every file it names read; a file that cannot be read is a ManifestError at its line. */
export async function loadPlanFiles(plan: Plan, files: ManifestFiles | undefined, manifest: { source: string; file: string }, progress: Progress = () => {}): Promise<Plan> {
  const stdin = plan.stdio.stdin;
  let { stdio, filesystem } = plan;
  if (stdin.mode === 'file') {
    try {
      if (!files) throw new Error('this build was given no way to read files');
      const data = await files.readFile(stdin.path);
      stdio = { ...plan.stdio, stdin: { mode: 'text', data } };
    } catch (cause) {
      throw fileError(manifest, 'stdio.stdin.file', stdin.at, `cannot read \`${stdin.path}\`: ${unreadable(cause)}`);
    }
  }
  const fs = plan.filesystem;
  if (fs.mode === 'virtual' && fs.mounts.some((m) => m.source.kind === 'embed')) {
    const mounts: Mount[] = [];
    for (const mount of fs.mounts) {
      const source = mount.source;
      if (source.kind !== 'embed') {
        mounts.push(mount);
        continue;
      }
      if (!files) throw fileError(manifest, `filesystem.mounts.${mount.path}`, source.at, `cannot embed \`${source.path}\`: this build was given no way to read files`);
      const root = await new TreeReader(files, source, mount.path, manifest, progress).read();
      mounts.push({ path: mount.path, source: { kind: 'tree', root } });
    }
    filesystem = { ...fs, mounts };
  }
  return { ...plan, stdio, filesystem };
}

// Symlinks followed while copying what `follow: true` points at, before giving up.
const MAX_FOLLOW_DEPTH = 40;

// Reads one `embed` mount: its whole tree, less what `exclude` names.
class TreeReader {
  private bytes = 0;
  private count = 0;
  private readonly root: string;
  private readonly excluded: (path: string) => boolean;

  constructor(
    private readonly files: ManifestFiles,
    private readonly source: Extract<MountSource, { kind: 'embed' }>,
    private readonly guest: string,
    private readonly manifest: { source: string; file: string },
    private readonly progress: Progress,
  ) {
    this.root = files.resolve(source.path);
    this.excluded = source.exclude.length ? picomatch([...source.exclude], { dot: true }) : () => false;
  }

  private fail(message: string): ManifestError {
    return fileError(this.manifest, `filesystem.mounts.${this.guest}.embed`, this.source.at, message);
  }

  async read(): Promise<TreeEntry> {
    let top: FileInfo;
    try {
      top = await this.files.stat(this.root);
    } catch (cause) {
      throw this.fail(`cannot embed \`${this.source.path}\`: ${unreadable(cause)}`);
    }
    const entry = await this.entry(this.root, top, '', 0);
    if (this.count >= 100) this.progress(`embedded ${this.count} files (${size(this.bytes)}) at ${this.guest}`);
    return entry;
  }

  private async entry(host: string, what: FileInfo, rel: string, depth: number): Promise<TreeEntry> {
    if (what.kind === 'dir') {
      const entries = new Map<string, TreeEntry>();
      for (const name of (await this.files.readdir(host)).sort()) {
        const childRel = rel ? `${rel}/${name}` : name;
        if (this.excluded(childRel)) continue;
        const child = join(host, name);
        const childInfo = await this.files.lstat(child);
        if (childInfo.kind === 'other') continue; // sockets, fifos and devices have no content to embed
        entries.set(name, childInfo.kind === 'symlink' ? await this.symlink(child, childRel, childInfo, depth) : await this.entry(child, childInfo, childRel, depth));
      }
      return { kind: 'dir', mtimeNs: what.mtimeNs, entries };
    }
    this.bytes += what.size;
    if (this.bytes > this.source.maxSize) {
      throw this.fail(`\`${this.source.path}\` holds more than its max_size of ${size(this.source.maxSize)}: raise \`max_size\` to embed it all, or \`exclude\` what the app does not need`);
    }
    if (++this.count % 500 === 0) this.progress(`embedding ${this.guest}: ${this.count} files, ${size(this.bytes)}`);
    return { kind: 'file', mtimeNs: what.mtimeNs, data: await this.files.readFile(host) };
  }

  // A symlink inside the tree stays a symlink (relative); one that leaves it is an error, or a copy with `follow`.
  private async symlink(host: string, rel: string, what: FileInfo, depth: number): Promise<TreeEntry> {
    const target = await this.files.readlink(host);
    const resolved = resolve(dirname(host), target);
    const inside = resolved === this.root || resolved.startsWith(this.root + sep);
    if (inside) {
      const relativeTarget = target.startsWith('/') ? relative(dirname(host), resolved) || '.' : target;
      return { kind: 'symlink', mtimeNs: what.mtimeNs, target: relativeTarget.split(sep).join('/') };
    }
    if (!this.source.follow) {
      throw this.fail(`\`${rel}\` in \`${this.source.path}\` is a symlink to \`${target}\`, outside the embedded tree: set \`follow: true\` to embed what it points at`);
    }
    if (depth >= MAX_FOLLOW_DEPTH) throw this.fail(`\`${rel}\` in \`${this.source.path}\`: too many levels of symlinks to follow`);
    let followed: FileInfo;
    try {
      followed = await this.files.stat(resolved);
    } catch (cause) {
      throw this.fail(`\`${rel}\` in \`${this.source.path}\` points at \`${target}\`, which cannot be followed: ${unreadable(cause)}`);
    }
    return this.entry(resolved, followed, rel, depth + 1);
  }
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}
