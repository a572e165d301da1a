// Shared by the tests: real builds, real runs on preview2-shim.
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, run, load, hostImports } from '../dist/index.js';
import { parseWat, printWasm } from '../dist/jco/jco.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const cacheDir = join(tmpdir(), 'virt-test-cache');

/** A committed fixture's bytes. */
export function fixture(name) {
  return new Uint8Array(readFileSync(join(root, 'test/fixtures', name)));
}

/** Builds `app` under the manifest `yaml`. */
export function buildWith(yaml, app, file = 'virt.yaml') {
  return build({ manifest: { source: yaml, file }, app });
}

/** Runs a command component with host args/env; returns { exitCode, stdout, stderr }. */
export function runCommand(component, options = {}) {
  return run(component, { cacheDir, ...options });
}

/** Instantiates a library component and returns its exports. */
export async function instantiate(component, options = {}) {
  const loaded = await load(component, { cacheDir });
  return loaded.instantiate(hostImports(options));
}

/**
 * Rewrites interface names in a component through its text form. 0.2.x
 * interfaces are structurally identical, so renaming versions gives a valid
 * app of another version.
 */
export async function renameInterfaces(component, renames) {
  let text = await printWasm(component);
  for (const [from, to] of renames) text = text.split(`"${from}`).join(`"${to}`);
  return parseWat(text);
}

/** Runs the CLI as a subprocess, as a user would, with its caches under the test's own XDG_CACHE_HOME. */
export function cli(args, options = {}) {
  const result = spawnSync(process.execPath, [join(root, 'bin/virt.js'), ...args], {
    encoding: 'utf8', cwd: options.cwd ?? root, timeout: options.timeout, env: { ...process.env, XDG_CACHE_HOME: join(tmpdir(), 'virt-test-xdg'), ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The CompositionError that `building` rejects with; the test fails if it resolves or fails otherwise. */
export async function compositionError(building) {
  const error = await building.then(() => undefined, (e) => e);
  assert.ok(error, 'the build should have failed');
  assert.is(error.name, 'CompositionError');
  return error;
}
