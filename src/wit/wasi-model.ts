// The typed model of the WASI 0.2 WIT that jco ships, made by a real parser:
// wasm-tools (through jco) encodes a world that imports every interface, and
// ./model-reader.ts decodes the instance types. `npm run build` does this once
// and writes the model as JSON beside the adapters; `virt build` only reads it.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew } from '../jco/jco.js';
import type { Interface } from './model.js';
import { readImportedInterfaces } from './model-reader.js';

/** The WASI release whose WIT jco ships, and virt models; 0.2.0 to 0.2.12 differ only in version suffixes. */
export const SHIPPED_VERSION = '0.2.12';

/** Where `npm run build` writes the model. */
export function wasiModelPath(): string {
  return fileURLToPath(new URL(`../../adapters/build/wasi-${SHIPPED_VERSION}.json`, import.meta.url));
}

/** Parses jco's shipped WASI WIT into the model (for `npm run build`). */
export async function buildWasiModel(): Promise<Interface[]> {
  const jcoRoot = dirname(dirname(createRequire(import.meta.url).resolve('@bytecodealliance/jco')));
  const root = join(jcoRoot, 'lib', 'wit', 'builtin', SHIPPED_VERSION);
  const packages = await Promise.all((await readdir(root)).map((dir) => readFile(join(root, dir, 'package.wit'), 'utf8')));
  const witSource = [
    'package virt:wasi-model;',
    `world all { include wasi:cli/imports@${SHIPPED_VERSION}; include wasi:http/imports@${SHIPPED_VERSION}; }`,
    // Each shipped file is one package; nested, they make one source.
    ...packages.map((text) => `${text.replace(/^package ([^;]+);/m, 'package $1 {')}\n}`),
  ].join('\n');
  return readImportedInterfaces(await componentNew(await componentEmbed({ dummy: true, witSource, world: 'all' })));
}

/** The model `npm run build` wrote. */
export async function loadWasiModel(): Promise<Interface[]> {
  // JSON writes a variant case without payload as null: it is read back as absent.
  return JSON.parse(await readFile(wasiModelPath(), 'utf8'), (_, value: unknown) => (value === null ? undefined : value)) as Interface[];
}
