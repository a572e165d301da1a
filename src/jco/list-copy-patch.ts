// Bulk list copies for jco's glue on engines without Wasm multi-memory
// (Node 20), measured by `npm run bench` (bench/filesystem.js).
//
// A call between two components copies a list<u8> in an adapter core module
// that jco writes. Without multi-memory, jco gives that module the other
// memory as JS functions (its `augments` import module: `mem1 I32Load8U`,
// `mem1 I32Store8`, ...), and the adapter copies a list one byte per
// iteration, so one JS call per byte (about 85 ns). This finds each such
// loop and makes it one call of a bulk copy, `virt memN CopyIn` or
// `virt memN CopyOut`, that the glue adds to the same `augments`: one
// typed-array `set` per list.
//
// What jco would need instead: in the multi-memory-to-imports rewrite of
// adapter modules, lower `memory.copy` between memories (or a byte loop) to
// one imported copy function rather than a load and a store per byte. Once it
// does, this patch finds no loop and changes nothing.
import { containsBytes } from '../binary/bytes.js';
import { FUNC_REF, IMPORT_LINE, START_LINE } from '../binary/wat-lines.js';
import { parseWat, printWasm } from './jco.js';

const AUGMENT = /^\s*\(import "augments" "mem(\d+) (I32Load8U|I32Store8)" \(func \(;(\d+);\)/;
const ANY_IMPORT = /^\s*\(import /;
const EXPORT_FUNC = /^(\s*\(export "(?:[^"\\]|\\.)*" \(func )(\d+)(\)\))$/;

// The loop jco emits for a list<u8>, one instruction a line; D, S and N are its locals (destination, source, count).
const COPY_IN = ['loop', 'local.get D', 'local.get S', 'i32.const 0', 'call LOAD', 'i32.store8', ...STEPS()];
const COPY_OUT = ['loop', 'local.get D', 'local.get S', 'i32.load8_u', 'i32.const 0', 'call STORE', ...STEPS()];

function STEPS(): string[] {
  return ['local.get S', 'i32.const 1', 'i32.add', 'local.set S', 'local.get D', 'i32.const 1', 'i32.add', 'local.set D',
    'local.get N', 'i32.const -1', 'i32.add', 'local.tee N', 'br_if 0', 'end'];
}

// The locals a loop of `shape` binds at `lines[at]`, or undefined when it is not that loop.
function matchLoop(lines: readonly string[], at: number, shape: readonly string[], callee: number): Record<string, string> | undefined {
  const bound: Record<string, string> = {};
  for (let i = 0; i < shape.length; i++) {
    const line = (lines[at + i] ?? '').trim().replace(/ ;; label = @\d+$/, '').replace(/ \(;@\d+;\)$/, '');
    const [op, arg] = shape[i].split(' ');
    if (arg === undefined || /^-?\d+$/.test(arg)) {
      if (line !== shape[i]) return undefined;
    } else if (arg === 'LOAD' || arg === 'STORE') {
      if (line !== `${op} ${callee}`) return undefined;
    } else {
      const m = new RegExp(`^${op.replace('.', '\\.')} (\\d+)$`).exec(line);
      if (!m || (bound[arg] !== undefined && bound[arg] !== m[1])) return undefined;
      bound[arg] = m[1];
    }
  }
  return bound;
}

/** A core module with its byte loops made bulk copies, and the memories (`mem1`, ...) whose copies it now imports. */
interface PatchedModule {
  readonly bytes: Uint8Array;
  readonly memories: readonly string[];
  readonly loops: number;
}

async function patchModule(module: Uint8Array): Promise<PatchedModule | undefined> {
  const lines = (await printWasm(module)).split('\n');
  // Function indices move: a module that names functions anywhere but in whole-line references is left alone.
  if (lines.some((line) => /^\s*\((elem|table) /.test(line) || (line.includes('ref.func') && !FUNC_REF.test(line)))) return undefined;
  const augments = new Map<string, { load?: number; store?: number }>();
  for (const line of lines) {
    const m = AUGMENT.exec(line);
    if (!m) continue;
    const entry = augments.get(m[1]) ?? {};
    entry[m[2] === 'I32Load8U' ? 'load' : 'store'] = Number(m[3]);
    augments.set(m[1], entry);
  }
  if (!augments.size || !lines.some((line) => line === '  (import "memory" "m0" (memory (;0;) 0))' || /^\s*\(import "memory" "m0" \(memory /.test(line))) return undefined;

  // The new imports come after the old ones: defined functions move up by their count.
  const memories = [...augments.keys()];
  const importCount = lines.filter((line) => IMPORT_LINE.test(line)).length;
  const added = memories.length * 2;
  const copyIndex = (memory: string, out: boolean) => importCount + memories.indexOf(memory) * 2 + (out ? 1 : 0);
  const remap = (index: string) => String(Number(index) >= importCount ? Number(index) + added : Number(index));
  const lastImport = lines.reduce((last, line, i) => (ANY_IMPORT.test(line) ? i : last), -1);

  const out: string[] = [];
  let loops = 0;
  for (let at = 0; at < lines.length; at++) {
    let replaced = false;
    for (const [memory, { load, store }] of augments) {
      for (const [shape, callee, isOut] of [[COPY_IN, load, false], [COPY_OUT, store, true]] as const) {
        const bound = callee === undefined ? undefined : matchLoop(lines, at, shape, callee);
        if (!bound) continue;
        const indent = lines[at].match(/^\s*/)![0];
        const { D, S, N } = bound;
        out.push(...[`local.get ${D}`, `local.get ${S}`, `local.get ${N}`, `call ${copyIndex(memory, isOut)}`,
          `local.get ${S}`, `local.get ${N}`, 'i32.add', `local.set ${S}`,
          `local.get ${D}`, `local.get ${N}`, 'i32.add', `local.set ${D}`,
          'i32.const 0', `local.set ${N}`].map((instruction) => indent + instruction));
        at += shape.length - 1;
        loops++;
        replaced = true;
        break;
      }
      if (replaced) break;
    }
    if (replaced) continue;
    const line = lines[at];
    const ref = FUNC_REF.exec(line) ?? START_LINE.exec(line) ?? EXPORT_FUNC.exec(line);
    out.push(ref ? `${ref[1]}${remap(ref[2])}${ref[3] ?? ''}` : line);
    if (at === lastImport) {
      for (const memory of memories) {
        for (const direction of ['CopyIn', 'CopyOut']) out.push(`  (import "augments" "virt mem${memory} ${direction}" (func (param i32 i32 i32)))`);
      }
    }
  }
  if (!loops) return undefined;
  return { bytes: await parseWat(out.join('\n')), memories: memories.map((m) => `mem${m}`), loops };
}

// Adds the bulk copies to the `augments` of the instantiation of `file` in the glue, next to jco's own.
function patchGlue(js: string, file: string, memories: readonly string[]): string | undefined {
  const variable = new RegExp(`const (\\w+) = getCoreModule\\('${file.replace(/\./g, '\\.')}'\\);`).exec(js)?.[1];
  if (!variable) return undefined;
  const call = js.indexOf(`instantiateCore(yield ${variable}, {`);
  const end = js.indexOf('instantiateCore(', call + 1);
  const block = js.slice(call, end < 0 ? undefined : end);
  const own = /memory: \{\s*m0: ([\w$.]+),/.exec(block)?.[1];
  const augments = block.indexOf('augments: {');
  if (!own || augments < 0) return undefined;
  const copies: string[] = [];
  for (const memory of memories) {
    const other = new RegExp(`'${memory} [A-Za-z0-9]+': [^\\n]*?new DataView\\(([\\w$.]+)\\.buffer\\)`).exec(block)?.[1];
    if (!other) return undefined;
    copies.push(
      `'virt ${memory} CopyIn': (to, from, len) => { new Uint8Array(${own}.buffer, to, len).set(new Uint8Array(${other}.buffer, from, len)); },`,
      `'virt ${memory} CopyOut': (to, from, len) => { new Uint8Array(${other}.buffer, to, len).set(new Uint8Array(${own}.buffer, from, len)); },`,
    );
  }
  const at = call + augments + 'augments: {'.length;
  return `${js.slice(0, at)}\n      ${copies.join('\n      ')}${js.slice(at)}`;
}

/** jco's files with every byte-loop list copy made one bulk copy; `loops` counts them. The entry glue is `entry`. */
export async function bulkListCopies(files: Readonly<Record<string, Uint8Array>>, entry: string): Promise<{ files: Record<string, Uint8Array>; loops: number }> {
  const out = { ...files };
  let js = new TextDecoder().decode(files[entry]);
  let loops = 0;
  const AUGMENTS = new TextEncoder().encode('augments');
  for (const [file, bytes] of Object.entries(files)) {
    if (!file.endsWith('.wasm') || !containsBytes(bytes, AUGMENTS)) continue;
    const patched = await patchModule(bytes);
    const glue = patched && patchGlue(js, file, patched.memories);
    if (!patched || glue === undefined) continue;
    js = glue;
    out[file] = patched.bytes;
    loops += patched.loops;
  }
  out[entry] = new TextEncoder().encode(js);
  return { files: out, loops };
}
