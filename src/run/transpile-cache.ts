// jco transpiles a component to JS in about a second; do it once per distinct
// component and keep the files under a cache folder keyed by content hash.
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { transpile } from '../jco/jco.js';
import { patchGlue } from './glue-patch.js';

/** The default cache folder: `$XDG_CACHE_HOME/virt` or `~/.cache/virt`. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'virt');
}

const ENTRY = 'component.js';

/** Bumped whenever what this module writes changes, so that old cache entries are not reused. */
const CACHE_FORMAT = 'v3';

// A module with two memories: whether this engine has Wasm multi-memory (Node 22 and later do; Node 20 does not).
const MULTI_MEMORY = WebAssembly.validate(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 2, 0, 1, 0, 1));

/** The path of the transpiled entry module of `component`, transpiling it on first use. */
export async function transpiled(component: Uint8Array, cacheDir: string): Promise<string> {
  const format = MULTI_MEMORY ? `${CACHE_FORMAT}-multi-memory` : CACHE_FORMAT;
  const key = createHash('sha256').update(format).update(component).digest('hex').slice(0, 32);
  const dir = join(cacheDir, key);
  const entry = join(dir, ENTRY);
  if (await exists(entry)) return entry;
  await mkdir(cacheDir, { recursive: true });
  const staging = await mkdtemp(join(cacheDir, `.${key}-`));
  try {
    const files = await transpile(component, 'component', MULTI_MEMORY);
    for (const [name, bytes] of Object.entries(files)) {
      if (name.endsWith('.d.ts')) continue;
      const path = join(staging, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, name.endsWith('.js') ? patchGlue(new TextDecoder().decode(bytes)).js : bytes);
    }
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process cached the same component first: theirs is as good as ours.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return entry;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
