// Reads the files a Plan names (stdin from a file, embedded trees) through the
// file access the caller gives: the library reads no file by itself; the CLI
// gives Node's, relative to the manifest.
import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { ManifestError } from './diagnostics.js';
import type { Mount, MountSource, Plan, SourceRange, TreeEntry } from './plan.js';
import { FileLimitError, readRegularFile } from './regular-file.js';
import { DEFAULT_MAX_EMBED } from './resolve-plan.js';

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
  /** The bytes of a regular file, at most `limit` of them: anything else (a FIFO, a device) is refused, never waited on. */
  readFile(path: string, limit: number): Promise<Uint8Array>;
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

/** Node's file access, with relative paths taken from `baseDir` (the manifest's directory). Synchronous underneath: see readRegularFile. */
export function nodeFiles(baseDir: string): ManifestFiles {
  const at = (path: string): string => resolve(baseDir, path);
  const now = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    resolve: at,
    readFile: (path, limit) => now(() => readRegularFile(at(path), limit)),
    lstat: (path) => now(() => info(lstatSync(at(path), { bigint: true }))),
    stat: (path) => now(() => info(statSync(at(path), { bigint: true }))),
    readdir: (path) => now(() => readdirSync(at(path), { encoding: 'buffer' }).map((name) => {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(name);
      } catch {
        const shown = [...name].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
        throw new FileLimitError(`it holds a file whose name is not UTF-8 (\`${shown}\`), which no WASI path can name: rename it`);
      }
    })),
    readlink: (path) => now(() => readlinkSync(at(path))),
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
  if (cause instanceof FileLimitError) return cause.message;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
}

/** The Plan with every file it names read; a file that cannot be read is a ManifestError at its line. */
export async function loadPlanFiles(plan: Plan, files: ManifestFiles | undefined, manifest: { source: string; file: string }, progress: Progress = () => {}): Promise<Plan> {
  const stdin = plan.stdio.stdin;
  let { stdio, filesystem } = plan;
  if (stdin.mode === 'file') {
    try {
      if (!files) throw new Error('this build was given no way to read files');
      const data = await files.readFile(stdin.path, DEFAULT_MAX_EMBED);
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
    checkNesting(mounts, manifest);
    filesystem = { ...fs, mounts };
  }
  return { ...plan, stdio, filesystem };
}

// A mount inside an embedded tree needs directories all the way down: a file of the tree on its way is an error
// at the inner mount's key (known only now that the tree is read).
function checkNesting(mounts: readonly Mount[], manifest: { source: string; file: string }): void {
  for (const inner of mounts) {
    const outer = mounts.filter((m) => m !== inner && m.source.kind === 'tree' && inner.path.startsWith(m.path === '/' ? '/' : `${m.path}/`))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (!outer || outer.source.kind !== 'tree') continue;
    const parts = inner.path.slice(outer.path.length).split('/').filter(Boolean).slice(0, -1);
    let entry: TreeEntry | undefined = outer.source.root;
    for (const [i, part] of parts.entries()) {
      entry = entry?.kind === 'dir' ? entry.entries.get(part) : undefined;
      if (entry && entry.kind !== 'dir') {
        const on = `${outer.path === '/' ? '' : outer.path}/${parts.slice(0, i + 1).join('/')}`;
        throw fileError(manifest, `filesystem.mounts.${inner.path}`, inner.at ?? [0, 0], `cannot mount \`${inner.path}\`: \`${on}\`, on its way, is a ${entry.kind} in the tree mounted at \`${outer.path}\``);
      }
    }
  }
}

// Symlinks followed while copying what `follow: true` points at, before giving up.
const MAX_FOLLOW_DEPTH = 40;
// Entries (files, directories, symlinks) one embed may hold: links that fan out cannot multiply a tree past it.
const MAX_ENTRIES = 1_000_000;
// Copies of one followed target, before links that fan out are refused.
const MAX_COPIES = 64; // more than MAX_FOLLOW_DEPTH, so that a cycle is named as one
// The largest file Wasm's 32-bit memory can hold in one piece.
const MAX_FILE_BYTES = 2 ** 31 - 1;

// Small files share buffers: each file of a few bytes would otherwise hold an ArrayBuffer of its own, which
// costs ten times its bytes (100,000 such files took 30 MB).
class SmallFiles {
  private static readonly SMALL = 4096;
  private static readonly BUFFER = 1 << 20;
  private buffer = new Uint8Array(0);
  private used = 0;

  keep(data: Uint8Array): Uint8Array {
    if (data.length > SmallFiles.SMALL) return data;
    if (this.used + data.length > this.buffer.length) {
      this.buffer = new Uint8Array(SmallFiles.BUFFER);
      this.used = 0;
    }
    const kept = this.buffer.subarray(this.used, this.used + data.length);
    kept.set(data);
    this.used += data.length;
    return kept;
  }
}

// Reads one `embed` mount: its whole tree, less what `exclude` names.
class TreeReader {
  private readonly small = new SmallFiles();
  private bytes = 0;
  private count = 0;
  private entries = 0;
  // How often each followed target was copied: links that fan out would copy one tree exponentially often.
  private readonly copies = new Map<string, number>();
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
      const named = rel ? `\`${rel}\` in \`${this.source.path}\`` : `\`${this.source.path}\``;
      const names = await this.files.readdir(host).catch((cause: unknown) => {
        throw this.fail(`cannot embed ${named}: ${unreadable(cause)}`);
      });
      for (const name of names.sort()) {
        const childRel = rel ? `${rel}/${name}` : name;
        if (this.excluded(childRel)) continue;
        if (++this.entries > MAX_ENTRIES) {
          throw this.fail(`\`${this.source.path}\` holds more than ${MAX_ENTRIES} entries${this.source.follow ? ' (with the symlinks it follows)' : ''}: \`exclude\` what the app does not need`);
        }
        const child = join(host, name);
        const childInfo = await this.files.lstat(child).catch((cause: unknown) => {
          throw this.fail(`cannot embed \`${childRel}\` in \`${this.source.path}\`: ${unreadable(cause)}`);
        });
        entries.set(name, childInfo.kind === 'symlink' ? await this.symlink(child, childRel, childInfo, depth) : await this.entry(child, childInfo, childRel, depth));
      }
      return { kind: 'dir', mtimeNs: what.mtimeNs, entries };
    }
    const name = rel ? `\`${rel}\` in \`${this.source.path}\`` : `\`${this.source.path}\``;
    if (what.kind !== 'file') {
      throw this.fail(`${name} is not a regular file, directory or symlink (a FIFO, socket or device has no content to embed)${rel ? ': `exclude` it' : ''}`);
    }
    if (what.size > MAX_FILE_BYTES) throw this.fail(`${name} is ${size(what.size)}: a file over 2 GiB cannot be embedded (Wasm memory is 32-bit)`);
    if (++this.count % 500 === 0) this.progress(`embedding ${this.guest}: ${this.count} files, ${size(this.bytes)}`);
    // Counted as read, not as stat says: a file may be larger than its stat size, or grow.
    let data: Uint8Array;
    try {
      data = await this.files.readFile(host, Math.min(MAX_FILE_BYTES, this.source.maxSize - this.bytes));
    } catch (cause) {
      if (cause instanceof FileLimitError && cause.message.startsWith('it holds more')) throw this.tooLarge();
      throw this.fail(`cannot embed ${name}: ${unreadable(cause)}`);
    }
    this.bytes += data.length;
    return { kind: 'file', mtimeNs: what.mtimeNs, data: this.small.keep(data) };
  }

  private tooLarge(): ManifestError {
    return this.fail(`\`${this.source.path}\` holds more than its max_size of ${size(this.source.maxSize)}: raise \`max_size\` to embed it all, or \`exclude\` what the app does not need`);
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
    const copies = (this.copies.get(resolved) ?? 0) + 1;
    if (copies > MAX_COPIES) {
      throw this.fail(`\`${rel}\` in \`${this.source.path}\`: symlinks reach \`${target}\` more than ${MAX_COPIES} times, and \`follow\` copies it each time: \`exclude\` some of them`);
    }
    this.copies.set(resolved, copies);
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
