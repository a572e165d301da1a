// The corpus's manifest modes, and components of the shapes real toolchains emit, made from WIT at test time:
// wit-component (jco's componentNew) imports only what the core module calls,
// so a module that calls part of an interface gives a partial import, as Rust
// and componentize-js components have.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentEmbed, componentNew, parseWat, printWasm } from '../dist/jco/jco.js';
import { root } from './helpers.js';

/** Every manifest mode a corpus app is built under. */
export const MODES = {
  default: 'version: 1\n',
  env: 'version: 1\nenv:\n  vars: { HOME: /home/corpus, DATA_DIR: /data }\n  host: { allow: [CORPUS_*] }\n  args: [app, fixed]\n  cwd: /data\n',
  deterministic: 'version: 1\ndeterministic: true\n',
  stdio: 'version: 1\nstdio:\n  stdin: { text: "corpus input\\n" }\n  stderr: ignore\n',
  filesystem: 'version: 1\nenv:\n  vars: { DATA_DIR: /data }\nfilesystem:\n  mounts:\n    /data: { memory: {} }\n    /data/note.txt: { text: "a note" }\n    /etc/corpus.toml: { text: "x = 1" }\n',
  denied: 'version: 1\nenv:\n  vars: { FETCH_URL: "http://127.0.0.1:9/", EXIT_CODE: "3" }\nexit: deny\nsockets: deny\nhttp: deny\nrandom:\n  mode: deny\nclocks:\n  wall: deny\n  monotonic: deny\n',
  'allow-lists': 'version: 1\nenv:\n  vars: { FETCH_URL: "https://example.com/" }\nsockets: { allow: ["127.0.0.1:9"] }\nhttp: { allow: ["http://127.0.0.1:9"] }\n',
};

/** What each app reads from its host when the manifest lets it. */
export const RUN = { args: ['app', 'corpus-arg'], env: [['CORPUS_HOST', 'visible'], ['SECRET', 'host-secret']], cwd: '/host-cwd' };

const WASI_WIT = join(root, 'node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12');

/** jco's shipped WASI 0.2.12 WIT as nested packages, moved to `version`. */
export function wasiPackages(version = '0.2.12') {
  return readdirSync(WASI_WIT)
    .map((dir) => readFileSync(join(WASI_WIT, dir, 'package.wit'), 'utf8'))
    .map((text) => `${text.replace(/^package ([^;]+);/m, 'package $1 {')}\n}\n`)
    .join('\n')
    .replaceAll('@0.2.12', `@${version}`);
}

/**
 * A component whose world imports `imports` (WIT world items: `import ...;` or
 * `include ...;` lines), and whose core module calls only the functions that
 * `keep(module, name)` accepts (all when omitted). `extra` is more WIT.
 */
export async function shapeApp(worldItems, { version = '0.2.12', keep, extra = '' } = {}) {
  const witSource = `package virt-test:shape;\nworld shape {\n${worldItems.map((i) => `  ${i}`).join('\n')}\n}\n${extra}\n${wasiPackages(version)}`;
  const dummy = await componentEmbed({ dummy: true, witSource, world: 'shape' });
  if (!keep) return componentNew(dummy);
  // Functions get names, so that an import can become a trapping function at the end of the module.
  const dropped = [];
  const lines = (await printWasm(dummy)).split('\n').flatMap((line) => {
    const m = /^(\s*)\(import "([^"]+)" "([^"]+)" \(func \(;(\d+);\) (\(type \d+\))\)\)$/.exec(line);
    if (m && !m[2].startsWith('[export]') && !keep(m[2], m[3])) {
      dropped.push(`  (func $f${m[4]} ${m[5]} unreachable)`);
      return [];
    }
    return [line.replace(/\(func \(;(\d+);\)/, '(func $f$1').replace(/\(func (\d+)\)/g, '(func $f$1)').replace(/\bcall (\d+)\b/g, 'call $f$1')];
  });
  const end = lines.lastIndexOf(')');
  const text = [...lines.slice(0, end), ...dropped, ...lines.slice(end)].join('\n');
  return componentNew(await componentEmbed({ binary: await parseWat(text), witSource, world: 'shape' }));
}
