// jco transpiles a component to JS in about a second; do it once per distinct
// component and keep the files under a cache folder keyed by content hash.
// The folder is bounded: past its size, the least recently used entries go.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hasMultiMemory } from '../bundle/browser-host.js';
import { transpile } from '../jco/jco.js';
import { patchGlue } from '../jco/glue-patch.js';
import { bulkListCopies } from '../jco/list-copy-patch.js';

/** The default cache folder: `$XDG_CACHE_HOME/virt` or `~/.cache/virt`. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'virt');
}

const ENTRY = 'component.js';

/** How large the cache may grow: `VIRT_CACHE_MAX_MB` megabytes, 512 by default (about 16 outputs of an embedded app). */
export function defaultCacheMaxBytes(): number {
  const mb = Number(process.env.VIRT_CACHE_MAX_MB);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 512) * 1024 * 1024;
}

/** Bumped whenever what this module writes changes, so that old cache entries are not reused. */
const CACHE_FORMAT = 'v5';

// Node 22 and later have Wasm multi-memory; Node 20 does not.
const MULTI_MEMORY = hasMultiMemory();

/** The path of the transpiled entry module of `component`, transpiling it on first use. */
export async function transpiled(component: Uint8Array, cacheDir: string, maxBytes = defaultCacheMaxBytes()): Promise<string> {
  const format = MULTI_MEMORY ? `${CACHE_FORMAT}-multi-memory` : CACHE_FORMAT;
  const key = createHash('sha256').update(format).update(component).digest('hex').slice(0, 32);
  const dir = join(cacheDir, key);
  const entry = join(dir, ENTRY);
  if (await exists(entry)) {
    const now = new Date();
    await utimes(dir, now, now).catch(() => {}); // most recently used; a read-only cache still serves
    return entry;
  }
  await mkdir(cacheDir, { recursive: true });
  const staging = await mkdtemp(join(cacheDir, `.${key}-`));
  try {
    await transpileInto(component, staging);
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process cached the same component first: theirs is as good as ours.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await prune(cacheDir, maxBytes, key);
  return entry;
}

/**
 * Transpiles `component` into a fresh temporary folder, for a run that keeps
 * nothing: `remove` deletes it once the modules are loaded.
 */
export async function transpiledUncached(component: Uint8Array): Promise<{ entry: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'virt-run-'));
  try {
    await transpileInto(component, dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { entry: join(dir, ENTRY), remove: () => rm(dir, { recursive: true, force: true }) };
}

async function transpileInto(component: Uint8Array, dir: string): Promise<void> {
  const transpiled = await transpile(component, 'component', { multiMemory: MULTI_MEMORY });
  const files = MULTI_MEMORY ? transpiled : (await bulkListCopies(transpiled, ENTRY)).files;
  for (const [name, bytes] of Object.entries(files)) {
    if (name.endsWith('.d.ts')) continue;
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, name.endsWith('.js') ? patchGlue(new TextDecoder().decode(bytes)).js : bytes);
  }
}

const KEY = /^[0-9a-f]{32}$/;

// Deletes the least recently used entries until the cache fits `maxBytes`; the entry just written stays.
async function prune(cacheDir: string, maxBytes: number, keep: string): Promise<void> {
  const entries = await Promise.all((await readdir(cacheDir)).filter((name) => KEY.test(name)).map(async (name) => {
    const dir = join(cacheDir, name);
    return { name, dir, used: (await stat(dir)).mtimeMs, bytes: await folderBytes(dir) };
  }));
  entries.sort((a, b) => (a.name === keep ? -1 : b.name === keep ? 1 : b.used - a.used));
  let total = 0;
  for (const entry of entries) {
    total += entry.bytes;
    if (total > maxBytes && entry.name !== keep) await rm(entry.dir, { recursive: true, force: true });
  }
}

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    bytes += item.isDirectory() ? await folderBytes(path) : (await stat(path)).size;
  }
  return bytes;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
