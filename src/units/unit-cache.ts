// Built units kept on disk, keyed by a hash of everything a unit is made
// from: its virtualizer, the Plan, the app's imports it serves, and virt's
// own code (the compiled JS and adapters, with jco's and Wizer's versions).
// A unit is a pure function of those, so a hit is the very unit the build
// would make. A unit that widens outer imports holds a function, and is never
// kept, nor one with embedded files (which the Plan holds already), nor one
// larger than MAX_ENTRY_BYTES. The folder also marks each composed output
// that validated, by a hash of its bytes and of virt's code.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltUnit } from './unit.js';

/** A folder of built units. */
export interface UnitCache {
  /** The units a build step made before with these inputs, or what `make` makes now (and keeps). */
  units(inputs: readonly unknown[], make: () => Promise<BuiltUnit[]>): Promise<BuiltUnit[]>;
  /**
   * Runs `check` on `bytes` unless the same bytes passed it before, with the same code; keeps a pass. (The
   * output's validation is what a build whose units are all cached would otherwise load jco for.)
   */
  checked(bytes: Uint8Array, check: () => Promise<void>): Promise<void>;
}

const MAX_ENTRY_BYTES = 8 * 1024 * 1024;
/** The most the folder holds; past it, the least recently used entries go. */
const MAX_FOLDER_BYTES = 64 * 1024 * 1024;
const FORMAT = 'virt-units-v1';
// The files of the folder: built units, and marks of outputs that validated.
const UNITS = '.units';
const PASSED = '.passed';
// What a mark counts for against MAX_FOLDER_BYTES: a disk block, so that marks cannot pile up without bound.
const MARK_BYTES = 4096;

// Feeds `value` to the hash in a form that tells every two different values apart; false for a function.
function feed(hash: ReturnType<typeof createHash>, value: unknown): boolean {
  if (value instanceof Uint8Array) {
    hash.update(`b${value.length}:`).update(value);
    return true;
  }
  if (typeof value === 'function') return false;
  if (value instanceof Map) value = ['Map', ...value];
  else if (value instanceof Set) value = ['Set', ...value];
  if (Array.isArray(value)) {
    hash.update(`a${value.length}[`);
    return value.every((item) => feed(hash, item)) && (hash.update(']'), true);
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    hash.update(`o${entries.length}{`);
    return entries.every(([k, v]) => (hash.update(JSON.stringify(k)), feed(hash, v))) && (hash.update('}'), true);
  }
  hash.update(typeof value === 'bigint' ? `n${value}` : `${typeof value}:${JSON.stringify(value)}`);
  return true;
}

let code: Promise<string> | undefined;

// virt's compiled code and adapters, and the versions of the tools that build units. Read synchronously: 80
// small files took 90 ms as that many round trips through the thread pool, 10 ms this way.
function codeFingerprint(): Promise<string> {
  code ??= (async () => {
    // virt's package.json pins jco's and Wizer's exact versions.
    const hash = createHash('sha256').update(readFileSync(new URL('../../package.json', import.meta.url)));
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(js|wasm|json)$/.test(entry.name)) hash.update(path).update(readFileSync(path));
      }
    };
    walk(fileURLToPath(new URL('..', import.meta.url)));
    walk(fileURLToPath(new URL('../../adapters/build', import.meta.url)));
    return hash.digest('hex');
  })();
  return code;
}

// An entry: a JSON header (each unit's name, imports, exports and byte lengths), then each unit's bytes.
function encode(units: readonly BuiltUnit[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(units.map((u) => ({
    name: u.name, imports: [...u.imports], exports: u.exports, component: u.component.length, core: u.core.length,
  }))));
  const size = new Uint8Array(4);
  new DataView(size.buffer).setUint32(0, header.length, true);
  return Buffer.concat([size, header, ...units.flatMap((u) => [u.component, u.core])]);
}

// The units of an entry; undefined for bytes that are no whole entry.
function decode(bytes: Uint8Array): BuiltUnit[] | undefined {
  try {
    return decodeEntry(bytes);
  } catch {
    return undefined;
  }
}

function decodeEntry(bytes: Uint8Array): BuiltUnit[] | undefined {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as Array<{
    name: string; imports: [string, string][]; exports: string[]; component: number; core: number;
  }>;
  let at = 4 + length;
  if (at + header.reduce((sum, u) => sum + u.component + u.core, 0) !== bytes.length) return undefined;
  const take = (n: number) => bytes.slice(at, (at += n));
  return header.map((u) => ({ name: u.name, imports: new Map(u.imports), exports: u.exports, component: take(u.component), core: take(u.core) }));
}

// The key of `inputs` under this code; undefined when they hold a function, or the code has no fingerprint.
async function keyOf(inputs: readonly unknown[]): Promise<string | undefined> {
  // Without a fingerprint of the code (an unreadable install), nothing is kept or reused.
  const fingerprint = await codeFingerprint().catch(() => undefined);
  const hash = createHash('sha256').update(FORMAT).update(fingerprint ?? '');
  return fingerprint && feed(hash, inputs) ? hash.digest('hex').slice(0, 40) : undefined;
}

/** A unit cache in `dir` (created when first written). */
export function diskUnitCache(dir: string): UnitCache {
  return {
    async checked(bytes, check) {
      const key = await keyOf(['checked', bytes]);
      const path = key && join(dir, `${key}${PASSED}`);
      if (path && (await stat(path).then(() => true, () => false))) {
        await utimes(path, new Date(), new Date()).catch(() => {});
        return;
      }
      await check();
      if (path) await store(dir, path, new Uint8Array(0)).catch(() => {});
    },
    async units(inputs, make) {
      const key = await keyOf(inputs);
      const path = key && join(dir, `${key}${UNITS}`);
      if (path) {
        const hit = await readFile(path).then(decode, () => undefined);
        if (hit) {
          await utimes(path, new Date(), new Date()).catch(() => {});
          return hit;
        }
      }
      const units = await make();
      const bytes = units.every((u) => !u.widen && !u.segments) ? encode(units) : undefined;
      // A cache that cannot be written costs a rebuild next time, never this build.
      if (path && bytes && bytes.length <= MAX_ENTRY_BYTES) await store(dir, path, bytes).catch(() => {});
      return units;
    },
  };
}

async function store(dir: string, path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, bytes, { flag: 'wx' });
  await rename(temp, path);
  const entries = await Promise.all((await readdir(dir)).filter((f) => f.endsWith(UNITS) || f.endsWith(PASSED)).map(async (f) => {
    const s = await stat(join(dir, f));
    return { path: join(dir, f), used: s.mtimeMs, bytes: Math.max(s.size, MARK_BYTES) };
  }));
  entries.sort((a, b) => b.used - a.used);
  let total = 0;
  for (const entry of entries) if ((total += entry.bytes) > MAX_FOLDER_BYTES) await rm(entry.path, { force: true });
}
