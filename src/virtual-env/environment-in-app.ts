// `wasi:cli/environment` served inside the app (units/in-app-unit.ts): the
// manifest's strings sit in a passive data segment and are copied into
// buffers from the app's realloc at each call, in the order a lowered import
// would allocate them. What the manifest passes through is the host's own
// function: a host argument list or cwd stays the app's lowered import, and
// host variables are filtered from the host's list where they lie.
import type { EnvPlan } from '../policies/plan.js';
import type { InAppPart } from '../units/in-app-unit.js';
import type { AppImport } from '../units/unit.js';

const encoder = new TextEncoder();

// The passive segment, built up string by string.
class Strings {
  private readonly parts: Uint8Array[] = [];
  private length = 0;
  add(text: string): { offset: number; length: number } {
    const bytes = encoder.encode(text);
    this.parts.push(bytes);
    this.length += bytes.length;
    return { offset: this.length - bytes.length, length: bytes.length };
  }
  field(): string {
    const escaped = this.parts.flatMap((p) => [...p]).map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
    return `(data $env "${escaped}")`;
  }
}

// Instructions that allocate a string of `s`'s bytes and store it, as (ptr, len), at the address `at` leaves.
function storeString(at: readonly string[], s: { offset: number; length: number }): string[] {
  return [...at, `i32.const ${s.offset}`, `i32.const ${s.length}`, 'call $env-string'];
}

// Instructions that allocate a list of `items`, fill it, and store (ptr, len) at local `retptr`; `out` is a scratch local.
function storeList(retptr: number, out: number, items: ReadonlyArray<ReadonlyArray<{ offset: number; length: number }>>, width: number): string[] {
  return [
    'i32.const 0', 'i32.const 0', 'i32.const 4', `i32.const ${items.length * width}`, 'call $realloc', `local.set ${out}`,
    ...items.flatMap((strings, i) => strings.flatMap((s, j) => storeString([`local.get ${out}`, `i32.const ${i * width + j * 8}`, 'i32.add'], s))),
    `local.get ${retptr}`, `local.get ${out}`, 'i32.store',
    `local.get ${retptr}`, `i32.const ${items.length}`, 'i32.store offset=4',
  ];
}

// (dst, offset, len): allocates len bytes, copies them from the segment, stores (ptr, len) at dst.
const ENV_STRING = `(func $env-string (param $dst i32) (param $offset i32) (param $len i32)
    (local $ptr i32)
    i32.const 0
    i32.const 0
    i32.const 1
    local.get $len
    call $realloc
    local.set $ptr
    local.get $ptr
    local.get $offset
    local.get $len
    memory.init $env
    local.get $dst
    local.get $ptr
    i32.store
    local.get $dst
    local.get $len
    i32.store offset=4)`;

// Glob matching over bytes, `*` any run and `?` one byte: the same algorithm as ./assembly/glob.ts, which the
// environment unit runs, for the variables a manifest lets through from the host.
const GLOB = `(func $glob (param $pat i32) (param $patLen i32) (param $name i32) (param $nameLen i32) (result i32)
    (local $p i32) (local $n i32) (local $starP i32) (local $starN i32) (local $c i32)
    i32.const -1
    local.set $starP
    block $done
      loop $next
        local.get $n
        local.get $nameLen
        i32.ge_u
        br_if $done
        block $mismatch
          local.get $p
          local.get $patLen
          i32.ge_u
          br_if $mismatch
          local.get $pat
          local.get $p
          i32.add
          i32.load8_u
          local.set $c
          local.get $c
          i32.const 42
          i32.eq
          if
            local.get $p
            local.set $starP
            local.get $p
            i32.const 1
            i32.add
            local.set $p
            local.get $n
            local.set $starN
            br $next
          end
          local.get $c
          i32.const 63
          i32.eq
          local.get $c
          local.get $name
          local.get $n
          i32.add
          i32.load8_u
          i32.eq
          i32.or
          if
            local.get $p
            i32.const 1
            i32.add
            local.set $p
            local.get $n
            i32.const 1
            i32.add
            local.set $n
            br $next
          end
        end
        local.get $starP
        i32.const 0
        i32.lt_s
        if
          i32.const 0
          return
        end
        local.get $starP
        i32.const 1
        i32.add
        local.set $p
        local.get $starN
        i32.const 1
        i32.add
        local.tee $starN
        local.set $n
        br $next
      end
    end
    block $end
      loop $stars
        local.get $p
        local.get $patLen
        i32.ge_u
        br_if $end
        local.get $pat
        local.get $p
        i32.add
        i32.load8_u
        i32.const 42
        i32.ne
        br_if $end
        local.get $p
        i32.const 1
        i32.add
        local.set $p
        br $stars
      end
    end
    local.get $p
    local.get $patLen
    i32.eq)`;

// (a, aLen, b, bLen): byte equality.
const BYTES_EQUAL = `(func $bytes-equal (param $a i32) (param $aLen i32) (param $b i32) (param $bLen i32) (result i32)
    (local $i i32)
    local.get $aLen
    local.get $bLen
    i32.ne
    if
      i32.const 0
      return
    end
    block $differ
      loop $next
        local.get $i
        local.get $aLen
        i32.ge_u
        if
          i32.const 1
          return
        end
        local.get $a
        local.get $i
        i32.add
        i32.load8_u
        local.get $b
        local.get $i
        i32.add
        i32.load8_u
        i32.ne
        br_if $differ
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $next
      end
    end
    i32.const 0)`;

/** The functions of `app` that the environment serves inside the app under `env`: those the host does not answer alone. */
function served(env: EnvPlan, app: AppImport): string[] {
  return app.functions.filter((fn) => (fn === 'get-arguments' ? env.args.mode !== 'host' : fn === 'initial-cwd' ? env.cwd.mode !== 'host' : fn === 'get-environment'));
}

/**
 * The environment inside the app. Filtering the host's variables allocates out of a lowered import's order, so
 * it asks for an app whose realloc is an allocator (`reallocs: 'any'`).
 */
export function environmentInApp(env: EnvPlan, app: AppImport): InAppPart | undefined {
  const functions = served(env, app);
  if (functions.length === 0) return undefined;
  const strings = new Strings();
  const vars = env.vars.map(([key, value]) => [strings.add(key), strings.add(value)]);
  const args = env.args.mode === 'fixed' ? env.args.values.map((arg) => [strings.add(arg)]) : [];
  const cwd = env.cwd.mode === 'fixed' ? strings.add(env.cwd.path) : undefined;
  const patterns = env.host.mode === 'allow' || env.host.mode === 'deny' ? env.host.patterns.map((p) => strings.add(p)) : [];
  const filters = env.host.mode !== 'none' && functions.includes('get-environment');
  return {
    imports: [{ ...app, functions }],
    reallocs: filters ? 'any' : 'canonical',
    fields: [strings.field(), ENV_STRING, ...(filters ? [BYTES_EQUAL, ...(patterns.length ? [GLOB] : [])] : [])],
    body(_, func) {
      // Each function takes a return pointer alone: local 0.
      if (func === 'get-arguments') return { locals: ['i32'], instructions: storeList(0, 1, args, 8) };
      if (func === 'initial-cwd') {
        if (!cwd) return { instructions: ['local.get 0', 'i32.const 0', 'i32.store8'] };
        return { instructions: ['local.get 0', 'i32.const 1', 'i32.store8', ...storeString(['local.get 0', 'i32.const 4', 'i32.add'], cwd)] };
      }
      if (!filters) return { locals: ['i32'], instructions: storeList(0, 1, vars, 16) };
      return { locals: Array(8).fill('i32'), instructions: filteredEnvironment(vars, patterns, env.host.mode === 'deny') };
    },
  };
}

// get-environment(retptr) with the host's variables: the fixed ones first, then each host variable that no fixed one
// names and the patterns let through, its strings where the host's list left them.
function filteredEnvironment(vars: ReadonlyArray<ReadonlyArray<{ offset: number; length: number }>>, patterns: ReadonlyArray<{ offset: number; length: number }>, deny: boolean): string[] {
  const [retptr, host, hostLen, out, count, entry, i, pats, dst] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const n = vars.length;
  const keyOf = (at: number) => [`local.get ${at}`, 'i32.load', `local.get ${at}`, 'i32.load offset=4'];
  // Whether the host entry's key is one of the fixed keys (already at the front of `out`).
  const isFixed = vars.flatMap((_, k) => [
    `local.get ${out}`, `i32.load offset=${k * 16}`, `local.get ${out}`, `i32.load offset=${k * 16 + 4}`, ...keyOf(entry), 'call $bytes-equal',
    ...(k > 0 ? ['i32.or'] : []),
  ]);
  const matches = patterns.flatMap((p, k) => [
    `local.get ${pats}`, `i32.const ${p.offset - patterns[0].offset}`, 'i32.add', `i32.const ${p.length}`, ...keyOf(entry), 'call $glob',
    ...(k > 0 ? ['i32.or'] : []),
  ]);
  const allowed = patterns.length ? (deny ? [...matches, 'i32.eqz'] : matches) : ['i32.const 1'];
  const patternBytes = patterns.length ? patterns.at(-1)!.offset + patterns.at(-1)!.length - patterns[0].offset : 0;
  return [
    `local.get ${retptr}`, 'call $host:get-environment',
    `local.get ${retptr}`, 'i32.load', `local.set ${host}`,
    `local.get ${retptr}`, 'i32.load offset=4', `local.set ${hostLen}`,
    'i32.const 0', 'i32.const 0', 'i32.const 4', `local.get ${hostLen}`, `i32.const ${n}`, 'i32.add', 'i32.const 16', 'i32.mul', 'call $realloc', `local.set ${out}`,
    ...vars.flatMap((strings, k) => strings.flatMap((s, j) => storeString([`local.get ${out}`, `i32.const ${k * 16 + j * 8}`, 'i32.add'], s))),
    ...(patterns.length ? [
      'i32.const 0', 'i32.const 0', 'i32.const 1', `i32.const ${patternBytes}`, 'call $realloc', `local.set ${pats}`,
      `local.get ${pats}`, `i32.const ${patterns[0].offset}`, `i32.const ${patternBytes}`, 'memory.init $env',
    ] : []),
    `i32.const ${n}`, `local.set ${count}`,
    'block', 'loop',
    `local.get ${i}`, `local.get ${hostLen}`, 'i32.ge_u', 'br_if 1',
    `local.get ${host}`, `local.get ${i}`, 'i32.const 16', 'i32.mul', 'i32.add', `local.set ${entry}`,
    ...(n ? [...isFixed, 'i32.eqz'] : ['i32.const 1']), ...allowed, 'i32.and',
    'if',
    `local.get ${out}`, `local.get ${count}`, 'i32.const 16', 'i32.mul', 'i32.add', `local.tee ${dst}`,
    `local.get ${entry}`, 'i64.load', 'i64.store',
    `local.get ${dst}`, `local.get ${entry}`, 'i64.load offset=8', 'i64.store offset=8',
    `local.get ${count}`, 'i32.const 1', 'i32.add', `local.set ${count}`,
    'end',
    `local.get ${i}`, 'i32.const 1', 'i32.add', `local.set ${i}`,
    'br 0', 'end', 'end',
    `local.get ${retptr}`, `local.get ${out}`, 'i32.store',
    `local.get ${retptr}`, `local.get ${count}`, 'i32.store offset=4',
  ];
}
