// The `virt` command line: parses flags, calls the library, writes files and
// prints. The one place that decides exit codes.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { expectedHostPreopens, formatAudit } from './audit/audit.js';
import { readComponent } from './binary/component-reader.js';
import { ComponentReadError } from './binary/errors.js';
import { AuditError, build, planFromManifest } from './build.js';
import { CompositionError } from './compose/errors.js';
import { inspect, inspectPolicy } from './inspect/inspect.js';
import { starterManifest } from './inspect/starter-manifest.js';
import { ManifestError } from './policies/diagnostics.js';
import { nodeFiles, unreadable } from './policies/load-files.js';
import { decodeManifest } from './policies/manifest.js';
import { readRegularFile } from './policies/regular-file.js';
import { defaultCacheDir } from './run/transpile-cache.js';

/** Exit codes that scripts can rely on. */
export const EXIT = { ok: 0, internal: 1, badInput: 2 } as const;

/** `virt run`'s exit code when its output pipe closed early: 128 + SIGPIPE, as a shell reports such a program. */
const EXIT_SIGPIPE = 141;

const HELP = `virt: sandbox a WebAssembly component with a capability manifest

Usage:
  virt init <app.wasm> [-o virt.yaml] [--force]
      Write a starter manifest from what the app imports: each section it can
      reach, with its default and the alternatives as comments. Refuses to
      overwrite a file unless --force.
  virt build <manifest.yaml> <app.wasm> -o <out.wasm> [--no-cache] [--no-in-app]
      Compose virtual WASI implementations in front of the app, as the manifest
      says. The app may be a component or a WASI preview-1 core module. Prints
      the app's imports grouped as virtualized, denied or passed to the host,
      then a line that says what the output still takes from its host.
      What needs no unit of its own (the environment, the null filesystem and
      terminal, clocks the app does not sleep on, randomness, a denied exit) is
      served inside the app, as plain core calls; --no-in-app serves it all with
      units in front of the app instead, with the same answers.
      Units built before from the same inputs come from ~/.cache/virt/units
      (at most 64 MB); --no-cache builds each afresh, --cache DIR uses another
      folder.
  virt run <component.wasm> [--env NAME=VALUE]... [--dir HOST[::GUEST]]... [--cwd PATH] [--no-cache] [-- args...]
      Run a command component in-process on preview2-shim (jco). The guest gets
      no host environment and no host directories; --env, --dir and --cwd grant
      them.
      Exits with the guest's exit code, or 134 when it traps (141 when the
      reader of its output goes away, as with | head).
      The first run of a component transpiles it (about a second) and keeps the
      JS in ~/.cache/virt (XDG_CACHE_HOME), at most 512 MB (VIRT_CACHE_MAX_MB),
      least recently used first out. --no-cache keeps nothing; --cache DIR
      uses another folder.
  virt bundle <component.wasm> -o <dir> [--name NAME]
  virt bundle <component.wasm> --single-file -o <page.html> [--name NAME]
      Make a command component run in a web browser: <dir>/index.html, a page
      that shows its stdout and stderr and then its exit code, and
      <dir>/NAME.js, an ES module whose run({ args, env, stdin, stdout, stderr })
      runs it from your own page or bundler; serve the folder over HTTP. With
      --single-file, one page that works even opened from file://. virt's own
      browser host serves what the output still imports (streams, exit, args,
      env, clocks, random); a host filesystem, sockets or HTTP refuse the
      bundle with exit 2. NAME defaults to the file's name without .virt.wasm.
  virt inspect <component.wasm>
      What a component imports from its host and exports; for a virt output,
      also what virt virtualized.
  virt inspect --manifest <manifest.yaml> <app.wasm>
      The effective policy of every interface the app imports.

Options:
  -o, --output <file>   where \`virt build\` and \`virt bundle\` write (atomically)
  -q, --quiet           \`virt build\`: print nothing but errors (no notes, no audit)
  -v, --verbose         \`virt build\`, \`virt inspect --manifest\`: also list the
                        capabilities the app does not import, with their policy
      --json            \`virt build\`, \`virt inspect\`: print JSON for scripts
  -h, --help            this help
  -V, --version         the version

Exit codes: 0 success; 2 bad input (manifest, component, flags, files) and
nothing written; 1 an internal error. \`virt run\` exits with the guest's code.

The manifest (YAML): version, env, clocks, random, exit, deterministic, stdio,
sockets, http, filesystem. Every key is described in schemas/virt.schema.json,
which YAML editors can use for completion; the README shows each section.
Paths the manifest names (embed, stdin file) are relative to the manifest.
A filesystem "host:" mount names a host preopen: grant it to virt run with
--dir, as it says when one is missing.

Example:
  virt build examples/hello/virt.yaml examples/hello/app.wasm -o hello.virt.wasm
  virt run hello.virt.wasm -- extra args
  virt bundle hello.virt.wasm --single-file -o hello.html
`;

class UsageError extends Error {}

// Inputs larger than this are no component or manifest virt could handle.
const MAX_INPUT_BYTES = 2 ** 31 - 1;

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return readRegularFile(path, MAX_INPUT_BYTES);
  } catch (error) {
    throw new UsageError(`cannot read \`${path}\`: ${unreadable(error)}`);
  }
}

// A Wasm input that cannot be read is named in the message: `app.wasm: the app is not a valid component ...`.
async function namingInput<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ComponentReadError) throw new UsageError(`\`${path}\`: ${error.message}`);
    throw error;
  }
}

// A fresh name beside the output, created exclusively: a file or symlink planted there makes the write fail
// rather than follow it, and the rename then replaces `path` itself, never what a symlink at `path` names.
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(temp, { force: true });
    throw new UsageError(`cannot write \`${path}\`: ${(error as Error).message}`);
  }
}

// `-o` naming an input would destroy it: compare real paths, so that `./app.wasm` and a link to it count too.
async function refuseOverwritingInputs(output: string, inputs: Readonly<Record<string, string>>): Promise<void> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  const target = await real(output);
  for (const [what, path] of Object.entries(inputs)) {
    if ((await real(path)) === target) throw new UsageError(`-o \`${output}\` is the ${what}: write the output somewhere else`);
  }
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function buildCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' }, quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' },
      cache: { type: 'string' }, 'no-cache': { type: 'boolean' }, 'no-in-app': { type: 'boolean' },
    },
  });
  if (positionals.length !== 2 || !values.output) throw new UsageError('usage: virt build <manifest.yaml> <app.wasm> -o <out.wasm> [--no-cache] [--no-in-app]');
  const [manifestPath, appPath] = positionals;
  await refuseOverwritingInputs(values.output, { app: appPath, manifest: manifestPath });
  const source = decodeManifest(await readInput(manifestPath), manifestPath);
  const app = await readInput(appPath);
  const say = values.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
  const result = await namingInput(appPath, () => build({
    manifest: { source, file: manifestPath },
    app,
    onProgress: (m) => say(`virt: ${m}`),
    files: nodeFiles(dirname(resolve(manifestPath))),
    ...(values['no-cache'] ? {} : { unitCacheDir: join(values.cache ?? defaultCacheDir(), 'units') }),
    ...(values['no-in-app'] ? { inApp: false } : {}),
  }));
  for (const note of result.notes) say(`virt: note: ${note}`);
  await writeAtomically(values.output, result.component);
  if (values.json) {
    const units = Object.fromEntries(result.unitSizes);
    process.stdout.write(`${JSON.stringify({ output: values.output, bytes: result.component.length, units, audit: result.audit.lines }, null, 2)}\n`);
  } else if (!values.quiet) {
    process.stdout.write(`${formatAudit(result.audit, { verbose: values.verbose })}\n`);
    say(`virt: wrote \`${values.output}\` (${result.component.length} bytes; app ${app.length} bytes)`);
  }
  return EXIT.ok;
}

async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      env: { type: 'string', multiple: true },
      dir: { type: 'string', multiple: true },
      cwd: { type: 'string' },
      cache: { type: 'string' },
      'no-cache': { type: 'boolean' },
    },
  });
  if (positionals.length < 1) throw new UsageError('usage: virt run <component.wasm> [--env NAME=VALUE]... [--dir HOST[::GUEST]]... [--cwd PATH] [--no-cache] [-- args...]');
  const [path, ...args] = positionals;
  const env = (values.env ?? []).map((pair): [string, string] => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--env takes NAME=VALUE, not \`${pair}\``);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
  const dirs: Record<string, string> = {};
  for (const dir of values.dir ?? []) {
    const [host, guest = host] = dir.split('::');
    if (!host) throw new UsageError(`--dir takes HOST or HOST::GUEST, not \`${dir}\``);
    dirs[guest] = host;
  }
  const component = await readInput(path);
  const info = await namingInput(path, async () => readComponent(component));
  if (!info.exports.some((e) => /^wasi:cli\/run@/.test(e.name))) {
    throw new UsageError(`\`${path}\` exports no \`wasi:cli/run\`: it is not a command, so there is nothing to run (its exports: ${info.exports.map((e) => e.name).join(', ') || 'none'})`);
  }
  for (const preopen of expectedHostPreopens(component)) {
    if (!(preopen in dirs)) process.stderr.write(`virt: note: the manifest mounts the host's ${preopen}, which this run does not grant: add --dir ${preopen} (or --dir HOST_DIR::${preopen})\n`);
  }
  // A reader that stops early (`virt run app.wasm | head`) closes the pipe: end quietly, as a program that
  // SIGPIPE ends would, instead of with Node's stack trace of an unhandled EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(EXIT_SIGPIPE);
    });
  }
  // Loaded here: preview2-shim's start-up is of no use to build and inspect.
  const { run } = await import('./run/run.js');
  const result = await run(component, {
    args: [basename(path), ...args],
    env,
    dirs,
    capture: false,
    ...(values.cwd ? { cwd: values.cwd } : {}),
    ...(values.cache ? { cacheDir: values.cache } : {}),
    ...(values['no-cache'] ? { noCache: true } : {}),
  });
  if (result.trap) process.stderr.write(`virt: the guest trapped: ${result.trap}\n`);
  return result.exitCode;
}

async function inspectCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { manifest: { type: 'string', short: 'm' }, json: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' } },
  });
  if (positionals.length !== 1) throw new UsageError('usage: virt inspect [--manifest <manifest.yaml>] [--json] <component.wasm>');
  const bytes = await readInput(positionals[0]);
  const json = (value: unknown): number => {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return EXIT.ok;
  };
  if (values.manifest) {
    const plan = planFromManifest(decodeManifest(await readInput(values.manifest), values.manifest), values.manifest);
    const lines = await namingInput(positionals[0], () => inspectPolicy(plan, bytes));
    if (values.json) return json(lines);
    process.stdout.write(`${formatAudit({ lines, violations: [] }, { verbose: values.verbose })}\n`);
    return EXIT.ok;
  }
  const found = await namingInput(positionals[0], () => inspect(bytes));
  if (values.json) return json(found);
  const out = [`imports from the host (${found.imports.length}):`, ...found.imports.map((i) => `  ${i}`)];
  out.push(`exports (${found.exports.length}):`, ...found.exports.map((e) => `  ${e}`));
  if (found.audit) out.push('virtualized by virt:', ...found.audit.filter((l) => l.status === 'virtualized').map((l) => `  ${l.interface}: ${l.detail}`));
  else out.push('not built by virt: no virtualized interfaces');
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}

// \`hello.virt.wasm\` → \`hello\`: the bundle's default name, made a valid file name prefix.
function bundleName(path: string): string {
  const stem = basename(path).replace(/(\.virt)?\.wasm$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return stem || 'app';
}

async function bundleCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, name: { type: 'string' }, 'single-file': { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
  });
  if (positionals.length !== 1 || !values.output) {
    throw new UsageError('usage: virt bundle <component.wasm> -o <dir> [--name NAME], or virt bundle <component.wasm> --single-file -o <page.html>');
  }
  const [path] = positionals;
  const output = values.output;
  await refuseOverwritingInputs(output, { component: path });
  const isDir = await stat(output).then((s) => s.isDirectory(), () => undefined);
  if (values['single-file'] && isDir) throw new UsageError(`-o \`${output}\` is a directory: --single-file writes one page, such as -o ${join(output, 'index.html')}`);
  if (!values['single-file'] && isDir === false) throw new UsageError(`-o \`${output}\` is a file: virt bundle writes a folder (or pass --single-file for one page)`);
  const component = await readInput(path);
  const say = values.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
  const { bundle } = await import('./bundle/bundle.js');
  const { files } = await namingInput(path, () => bundle(component, {
    name: values.name ?? bundleName(path),
    singleFile: values['single-file'] ?? false,
    onProgress: (m) => say(`virt: ${m}`),
  }));
  let bytes = 0;
  for (const file of files.values()) bytes += file.length;
  if (values['single-file']) await writeAtomically(output, [...files.values()][0]);
  else await writeFolder(output, files);
  say(`virt: wrote \`${output}\` (${values['single-file'] ? '' : `${files.size} files, `}${bytes} bytes)`);
  if (!values['single-file']) say(`virt: serve it over HTTP and open index.html, e.g. (cd ${output} && python3 -m http.server)`);
  return EXIT.ok;
}

// Files are written beside the folder first, then each renamed into it: a failure leaves no partial file.
async function writeFolder(dir: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  const parent = dirname(resolve(dir));
  let staging: string | undefined;
  try {
    staging = await mkdtemp(join(parent, `.${basename(resolve(dir))}.virt-bundle-`));
    for (const [name, bytes] of files) await writeFile(join(staging, name), bytes);
    await mkdir(dir, { recursive: true });
    for (const name of files.keys()) await rename(join(staging, name), join(dir, name));
  } catch (error) {
    throw new UsageError(`cannot write \`${dir}\`: ${unreadable(error)}`);
  } finally {
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

const SCHEMA = fileURLToPath(new URL('../schemas/virt.schema.json', import.meta.url));

async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new UsageError('usage: virt init <app.wasm> [-o virt.yaml] [--force]');
  const output = values.output ?? 'virt.yaml';
  const app = await readInput(positionals[0]);
  const schema = relative(dirname(resolve(output)), SCHEMA).split(sep).join('/');
  const text = await namingInput(positionals[0], () => starterManifest(app, { schema, appName: basename(positionals[0]) }));
  try {
    await writeFile(output, text, { flag: values.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`\`${output}\` exists: pass --force to overwrite it`);
    throw new UsageError(`cannot write \`${output}\`: ${unreadable(error)}`);
  }
  process.stderr.write(`virt: wrote \`${output}\`; build with: virt build ${output} ${positionals[0]} -o out.wasm\n`);
  return EXIT.ok;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  init: initCommand, build: buildCommand, run: runCommand, bundle: bundleCommand, inspect: inspectCommand,
};

// The commands that only run jco's wasm-tools, a large Wasm module, for a second or so. V8's second tier
// (TurboFan) recompiles its hot functions meanwhile, which costs these runs more than it gains: an env-only
// build went from 0.9 to 0.55 s and from 184 to 105 MB with Liftoff alone. `virt run` keeps both tiers: the
// guest runs there.
const TOOL_COMMANDS = new Set(['init', 'build', 'bundle', 'inspect']);

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flags = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help' || flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(HELP);
    return command === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (command === '-V' || command === '--version') {
    process.stdout.write(`${await version()}\n`);
    return EXIT.ok;
  }
  const handler = COMMANDS[command];
  if (TOOL_COMMANDS.has(command)) setFlagsFromString('--liftoff-only');
  try {
    if (!handler) throw new UsageError(`unknown command \`${command}\`; expected init, build, run, bundle or inspect (see \`virt --help\`)`);
    return await handler(rest);
  } catch (error) {
    if (error instanceof ManifestError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.badInput;
    }
    if (error instanceof UsageError || error instanceof AuditError || (error instanceof Error && error.name === 'BundleError') || error instanceof ComponentReadError || error instanceof CompositionError
      || (error instanceof Error && error.name === 'EngineError')) {
      process.stderr.write(`virt: error: ${error.message}\n`);
      return EXIT.badInput;
    }
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`virt: error: ${error.message} (see \`virt --help\`)\n`);
      return EXIT.badInput;
    }
    process.stderr.write(`virt: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.internal;
  }
}
