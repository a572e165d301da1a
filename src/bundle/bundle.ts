// `virt bundle`: a command component as files a browser runs. jco transpiles
// it twice (glue for engines with Wasm multi-memory and for those without;
// the page picks at load), and virt's own browser host serves what the
// output still imports. A folder holds the parts as files; a single page
// carries them gzipped inside it, so that it works from file://.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { sameBytes } from '../binary/bytes.js';
import { readComponent } from '../binary/component-reader.js';
import { patchGlue } from '../jco/glue-patch.js';
import { transpile } from '../jco/jco.js';
import { bulkListCopies } from '../jco/list-copy-patch.js';
import { interfaceId, isWasi02, parseInterfaceName } from '../wit/names.js';
import { BROWSER_INTERFACES } from './browser-host.js';

/** A component that no browser host can run; each problem names an import (or the missing export). */
export class BundleError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`cannot bundle this component for the browser:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'BundleError';
  }
}

/** How to bundle. */
export interface BundleOptions {
  /** The bundle's name: its files' prefix and the guest's default argv[0]. Letters, digits, `.`, `_` and `-`. */
  readonly name: string;
  /** One self-contained HTML page instead of a folder of files. */
  readonly singleFile?: boolean;
  /** Called with a line at each step. */
  readonly onProgress?: (message: string) => void;
}

/** What `bundle` made: file names (relative to the output folder) and their bytes. */
export interface BundleResult {
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** The host's file in a bundle folder. */
export const HOST_FILE = 'virt-browser-host.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

// Why an import has no browser host, by the WASI package it belongs to.
const NO_BROWSER_HOST: Readonly<Record<string, string>> = {
  'wasi:filesystem': 'a browser has no host filesystem: the manifest passes the host\'s through (`filesystem: host` or a `host:` mount); embed the files or mount `memory: {}` instead',
  'wasi:sockets': 'a page cannot open sockets: the manifest grants host sockets; use `sockets: deny`',
  'wasi:http': 'virt\'s browser host has no HTTP: the manifest passes `wasi:http` to the host; use `http: deny`',
};

/** The imports of `component` that virt's browser host serves, unversioned; a BundleError for any other. */
export function browserInterfaces(component: Uint8Array): string[] {
  const info = readComponent(component);
  const problems: string[] = [];
  const served = new Set<string>();
  for (const entry of info.imports) {
    const name = entry.sort === 'instance' ? parseInterfaceName(entry.name) : undefined;
    const id = name && interfaceId(name);
    if (name && id && isWasi02(name) && BROWSER_INTERFACES.includes(id)) {
      served.add(id);
      continue;
    }
    const why = name ? NO_BROWSER_HOST[`${name.namespace}:${name.package}`] : undefined;
    problems.push(`\`${entry.name}\`: ${why ?? 'virt\'s browser host does not serve it (it serves WASI 0.2 cli, clocks, io and random)'}`);
  }
  if (!info.exports.some((e) => /^wasi:cli\/run@0\.2\./.test(e.name))) {
    problems.push(`the component exports no \`wasi:cli/run@0.2\`: a bundle runs commands (its exports: ${info.exports.map((e) => e.name).join(', ') || 'none'})`);
  }
  if (problems.length) throw new BundleError(problems);
  return [...served].sort();
}

// The host's compiled text, without its source map comment.
async function hostSource(): Promise<string> {
  const text = await readFile(new URL('./browser-host.js', import.meta.url), 'utf8');
  return text.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
}

interface Parts {
  /** Every file of the bundle but its entry and page. */
  readonly files: Map<string, Uint8Array>;
  /** For each core module the glue asks for: the file for engines without multi-memory, and with. */
  readonly core: Record<string, [string, string]>;
  readonly glue: [string, string];
}

// Both transpilations; a core module that comes out the same in both is one file.
async function transpileParts(component: Uint8Array, name: string, say: (m: string) => void): Promise<Parts> {
  const files = new Map<string, Uint8Array>([[HOST_FILE, new TextEncoder().encode(await hostSource())]]);
  const core: Record<string, [string, string]> = {};
  const glue: [string, string] = [`${name}.glue.js`, `${name}.glue-mm.js`];
  for (const multiMemory of [false, true]) {
    say(`transpiling with jco for engines ${multiMemory ? 'with' : 'without'} Wasm multi-memory`);
    // The glue without multi-memory is patched as `virt run`'s is (bulk list copies), and so is not minified:
    // the patches read jco's own formatting.
    const out = multiMemory
      ? await transpile(component, name, { multiMemory, minify: true })
      : patchedGlue((await bulkListCopies(await transpile(component, name), `${name}.js`)).files, `${name}.js`);
    for (const [file, bytes] of Object.entries(out)) {
      if (file === `${name}.js`) files.set(glue[Number(multiMemory)], bytes);
      if (!file.endsWith('.wasm')) continue;
      const pair = (core[file] ??= [file, file]);
      if (!multiMemory) files.set(file, bytes);
      else if (!sameBytes(files.get(file) ?? new Uint8Array(), bytes)) files.set((pair[1] = file.replace(/\.wasm$/, '.mm.wasm')), bytes);
    }
  }
  return { files, core, glue };
}

function patchedGlue(files: Record<string, Uint8Array>, entry: string): Record<string, Uint8Array> {
  return { ...files, [entry]: new TextEncoder().encode(patchGlue(new TextDecoder().decode(files[entry])).js) };
}

// The entry module of a folder bundle: parts are fetched beside it.
function entryModule(name: string, interfaces: readonly string[], parts: Parts): string {
  return `// ${name}: a virt output, bundled for the browser by \`virt bundle\`.
// run({ args, env, stdin, stdout(bytes), stderr(bytes) }) → Promise<{ exitCode, trap? }>
import { createRunner } from './${HOST_FILE}';

const config = ${JSON.stringify({ name, interfaces, core: parts.core })};
const url = (file) => new URL(\`./\${file}\`, import.meta.url);

export const run = createRunner({
  name: config.name,
  interfaces: config.interfaces,
  glue: (multiMemory) => (multiMemory ? import('./${parts.glue[1]}') : import('./${parts.glue[0]}')),
  async coreModule(file, multiMemory) {
    const where = url(config.core[file][multiMemory ? 1 : 0]);
    // compileStreaming needs the server to say application/wasm; a server that does not still gets its bytes compiled.
    return WebAssembly.compileStreaming(fetch(where)).catch(async () => WebAssembly.compile(await (await fetch(where)).arrayBuffer()));
  },
});
export default run;
`;
}

// The page's guest runs in a worker, so that its output shows as it is written and the page stays live.
// The worker is a classic script from a blob URL, which a page opened from file:// may start too; it imports
// the bundle's entry module (a folder) or inflates the page's packed parts and imports them from blob URLs.
const WORKER = `self.onmessage = async ({ data }) => {
  try {
    const run = data.entry ? (await import(data.entry)).run : await unpack(data);
    const result = await run({
      args: data.args,
      multiMemory: data.multiMemory,
      stdout: (bytes) => self.postMessage({ stdout: bytes }),
      stderr: (bytes) => self.postMessage({ stderr: bytes }),
    });
    self.postMessage({ result });
  } catch (error) {
    self.postMessage({ error: String((error && error.stack) || error) });
  }
};
async function unpack({ packed, config }) {
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  const archive = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const headLength = new DataView(archive.buffer).getUint32(0, true);
  const parts = new Map();
  let at = 4 + headLength;
  for (const [file, length] of JSON.parse(new TextDecoder().decode(archive.subarray(4, at)))) parts.set(file, archive.subarray(at, (at += length)));
  const load = (file) => import(URL.createObjectURL(new Blob([parts.get(file)], { type: 'text/javascript' })));
  const { createRunner } = await load('${HOST_FILE}');
  return createRunner({
    name: config.name,
    interfaces: config.interfaces,
    glue: (multiMemory) => load(config.glueFiles[multiMemory ? 1 : 0]),
    coreModule: (file, multiMemory) => WebAssembly.compile(parts.get(config.core[file][multiMemory ? 1 : 0])),
  });
}`;

// What the page does: starts the worker with \`message\` (what to run), shows stdout and, marked apart, stderr
// as they come, then the exit code. Each \`?arg=\` of the page's address is one more argument after argv[0].
function pageScript(message: string): string {
  return `const out = document.getElementById('stdout');
const exit = document.getElementById('exit-code');
const show = (className) => {
  const decoder = new TextDecoder();
  return (bytes) => {
    const text = decoder.decode(bytes, { stream: true });
    if (!text) return;
    if (!className) return out.append(text);
    const span = document.createElement('span');
    span.className = className;
    span.textContent = text;
    out.append(span);
  };
};
const stdout = show('');
const stderr = show('stderr');
const message = ${message};
const query = new URLSearchParams(location.search);
message.args = [message.name, ...query.getAll('arg')];
// ?glue=baseline runs the glue for engines without multi-memory, to compare.
if (query.get('glue') === 'baseline') message.multiMemory = false;
const worker = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(WORKER)}], { type: 'text/javascript' })));
worker.onmessage = ({ data }) => {
  if (data.stdout) stdout(data.stdout);
  else if (data.stderr) stderr(data.stderr);
  else if (data.result) {
    if (data.result.trap) stderr(new TextEncoder().encode(\`\\ntrapped: \${data.result.trap}\\n\`));
    exit.textContent = String(data.result.exitCode);
    worker.terminate();
  } else if (data.error) {
    stderr(new TextEncoder().encode(data.error));
    exit.textContent = 'error';
    worker.terminate();
    throw new Error(data.error);
  }
};
worker.onerror = (event) => {
  exit.textContent = 'error';
  throw new Error(event.message);
};
worker.postMessage(message);`;
}

function page(name: string, script: string, note = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name}</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; }
  pre { background: #f6f6f6; padding: 1em; white-space: pre-wrap; }
  .stderr { color: #b00020; }
  #exit-code:not(:empty)::before { content: "exit code "; color: #666; }
</style>
</head>
<body>
<h1>${name}</h1>
<pre id="stdout"></pre>
<pre id="exit-code"></pre>
${note}<script type="module">
${script.replace(/<\/(script)/gi, '<\\/$1')}
</script>
</body>
</html>
`;
}

// Opened from file://, a page cannot import the files beside it: say what to do instead of failing silently.
const FILE_URL_NOTE = `<script>
if (location.protocol === 'file:') document.getElementById('stdout').textContent =
  'this page loads files beside it, which a browser refuses from file://: serve the folder (python3 -m http.server), or make one self-contained page with virt bundle --single-file';
</script>
`;

// The single page: every part in one gzipped archive (a JSON index of names and lengths, then the bytes).
function singlePage(name: string, interfaces: readonly string[], parts: Parts): string {
  const index = [...parts.files].map(([file, bytes]) => [file, bytes.length]);
  const head = new TextEncoder().encode(JSON.stringify(index));
  const size = new Uint8Array(4);
  new DataView(size.buffer).setUint32(0, head.length, true);
  const archive = gzipSync(Buffer.concat([size, head, ...parts.files.values()]), { level: 9 });
  const config = { name, interfaces, core: parts.core, glueFiles: parts.glue };
  return page(name, pageScript(`{ name: ${JSON.stringify(name)}, config: ${JSON.stringify(config)}, packed: '${archive.toString('base64')}' }`));
}

/**
 * Bundles a command component for the browser: a folder (`index.html`,
 * `<name>.js` and its parts) or, with `singleFile`, one `<name>.html`.
 * Throws a BundleError when the component imports what no browser serves.
 */
export async function bundle(component: Uint8Array, options: BundleOptions): Promise<BundleResult> {
  const { name } = options;
  if (!NAME.test(name)) throw new BundleError([`the name \`${name}\` is not a file name prefix: use letters, digits, \`.\`, \`_\` and \`-\``]);
  const interfaces = browserInterfaces(component);
  const parts = await transpileParts(component, name, options.onProgress ?? (() => {}));
  const text = (s: string) => new TextEncoder().encode(s);
  if (options.singleFile) return { files: new Map([[`${name}.html`, text(singlePage(name, interfaces, parts))]]) };
  const script = pageScript(`{ name: ${JSON.stringify(name)}, entry: new URL('./${name}.js', location.href).href }`);
  const files = new Map(parts.files);
  files.set(`${name}.js`, text(entryModule(name, interfaces, parts)));
  files.set('index.html', text(page(name, script, FILE_URL_NOTE)));
  return { files };
}
