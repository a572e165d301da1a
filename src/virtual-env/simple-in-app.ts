// Clocks, exit and randomness served inside the app (units/in-app-unit.ts).
// A virtual clock is a global that each reading moves on by its step, as in
// the clocks unit (./assembly/clocks.ts); a denied function traps, under the
// name the unit's trap has. A clock that the app sleeps on stays with the
// unit: its sleeps are deadlines of virt's io group.
import type { ClockPolicy, ClocksPlan, RandomPolicy } from '../policies/plan.js';
import type { InAppPart } from '../units/in-app-unit.js';
import type { AppImport } from '../units/unit.js';
import { interfaceId } from '../wit/names.js';
import { WALL_CLOCK_ID } from './clocks-unit.js';
import { seedKey } from './random-unit.js';

const NS_PER_SECOND = 1_000_000_000n;

function denied(what: string): { name: string; instructions: string[] } {
  return { name: `${what}-denied-by-manifest`, instructions: ['unreachable'] };
}

// A clock's global: the next reading.
function clockGlobal(id: string, clock: ClockPolicy): string[] {
  return clock.mode === 'virtual' ? [`(global $${id} (mut i64) (i64.const ${clock.startNs}))`] : [];
}

// Pushes the clock's reading and moves it on by its step.
function reading(id: string, stepNs: bigint): string[] {
  return [`global.get $${id}`, `global.get $${id}`, `i64.const ${stepNs}`, 'i64.add', `global.set $${id}`];
}

// Stores the nanoseconds on the stack as a datetime (seconds u64 @0, nanoseconds u32 @8) at local `retptr`; `ns` is a scratch local.
function storeDatetime(retptr: number, ns: number): string[] {
  return [
    `local.set ${ns}`,
    `local.get ${retptr}`, `local.get ${ns}`, `i64.const ${NS_PER_SECOND}`, 'i64.div_u', 'i64.store',
    `local.get ${retptr}`, `local.get ${ns}`, `i64.const ${NS_PER_SECOND}`, 'i64.rem_u', 'i32.wrap_i64', 'i32.store offset=8',
  ];
}

/** The clocks inside the app, unless the app sleeps on the monotonic clock. */
export function clocksInApp(clocks: ClocksPlan, imports: readonly AppImport[]): InAppPart | undefined {
  if (imports.some((app) => app.functions.some((fn) => fn.startsWith('subscribe-')))) return undefined;
  const clockOf = (app: AppImport): 'wall' | 'monotonic' => (interfaceId(app.name) === WALL_CLOCK_ID ? 'wall' : 'monotonic');
  return {
    imports,
    fields: [...clockGlobal('wall', clocks.wall), ...clockGlobal('monotonic', clocks.monotonic)],
    body(app, func) {
      const id = clockOf(app);
      const clock = clocks[id];
      if (clock.mode !== 'virtual') return denied(`${id}-clock`);
      const resolution = clock.stepNs === 0n ? 1n : clock.stepNs;
      if (id === 'monotonic') return { instructions: func === 'now' ? reading(id, clock.stepNs) : [`i64.const ${resolution}`] };
      return { locals: ['i64'], instructions: [...(func === 'now' ? reading(id, clock.stepNs) : [`i64.const ${resolution}`]), ...storeDatetime(0, 1)] };
    },
  };
}

/** `exit: deny` inside the app. */
export function exitInApp(imports: readonly AppImport[]): InAppPart {
  return { imports, body: () => denied('exit') };
}

/** Randomness inside the app: denied, or the seeded ChaCha20 streams of the random unit (./assembly/random.ts). */
export function randomInApp(random: RandomPolicy, imports: readonly AppImport[]): InAppPart | undefined {
  if (random.mode === 'host') return undefined;
  if (random.mode === 'deny') return { imports, body: () => denied('random') };
  const key = [...seedKey(random.seed)].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  return {
    imports,
    fields: [`(data $rand-key "${key}")`, '(global $rand-page (mut i32) (i32.const 0))', RAND_PAGE, chachaBlock(), RAND_TAKE],
    body(app, func) {
      const stream = app.name.interface === 'random' ? 0 : app.name.interface === 'insecure' ? 1 : 2;
      if (func === 'insecure-seed') return { instructions: ['i32.const 2', 'local.get 0', 'i32.const 16', 'call $rand-take'] };
      if (func.endsWith('-u64')) {
        // Eight bytes of the stream, by way of the page's scratch word.
        return { instructions: [`i32.const ${stream}`, 'call $rand-page', `i32.const ${SCRATCH}`, 'i32.add', 'i32.const 8', 'call $rand-take', 'call $rand-page', `i64.load offset=${SCRATCH}`] };
      }
      // get-*-bytes(len, retptr): a list<u8> from the app's realloc, as the lowered import would allocate it.
      return {
        locals: ['i32'],
        instructions: [
          'i32.const 0', 'i32.const 0', 'i32.const 1', 'local.get 0', 'i32.wrap_i64', 'call $realloc', 'local.set 2',
          `i32.const ${stream}`, 'local.get 2', 'local.get 0', 'i32.wrap_i64', 'call $rand-take',
          'local.get 1', 'local.get 2', 'i32.store', 'local.get 1', 'local.get 0', 'i64.store32 offset=4',
        ],
      };
    },
  };
}

// The page the streams keep their state in, grown from the app's memory at the first call (as an adapter keeps
// its state): the key @0, the block state @32, then per stream 64 keystream bytes, its block counter @64 and its
// position @68, and a scratch word.
const STREAMS_AT = 96;
const STREAM_SIZE = 72;
const SCRATCH = STREAMS_AT + 3 * STREAM_SIZE;

const RAND_PAGE = `(func $rand-page (result i32)
    (local $base i32)
    global.get $rand-page
    local.tee $base
    if
      local.get $base
      return
    end
    i32.const 1
    memory.grow
    local.tee $base
    i32.const -1
    i32.eq
    if
      unreachable
    end
    local.get $base
    i32.const 16
    i32.shl
    local.tee $base
    i32.const 0
    i32.const 32
    memory.init $rand-key
    ${[0, 1, 2].map((s) => `local.get $base
    i32.const 64
    i32.store offset=${STREAMS_AT + s * STREAM_SIZE + 68}`).join('\n    ')}
    local.get $base
    global.set $rand-page
    local.get $base)`;

// One ChaCha20 block (RFC 8439 §2.3) of stream $nonce at $counter, written to $out, in sixteen locals.
function chachaBlock(): string {
  const x = (i: number) => `$x${i}`;
  const quarter = (a: number, b: number, c: number, d: number) => [[a, b, d, 16], [c, d, b, 12], [a, b, d, 8], [c, d, b, 7]]
    .map(([p, q, r, n]) => `local.get ${x(p)} local.get ${x(q)} i32.add local.set ${x(p)} local.get ${x(r)} local.get ${x(p)} i32.xor i32.const ${n} i32.rotl local.set ${x(r)}`);
  const rounds = [[0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15], [0, 5, 10, 15], [1, 6, 11, 12], [2, 7, 8, 13], [3, 4, 9, 14]]
    .flatMap(([a, b, c, d]) => quarter(a, b, c, d));
  // The block's first state: the constants, the key, the counter and the nonce.
  const initial = (i: number): string => (i < 4 ? `i32.const ${[0x61707865, 0x3320646e, 0x79622d32, 0x6b206574][i]}`
    : i < 12 ? `call $rand-page i32.load offset=${(i - 4) * 4}` : i === 12 ? 'local.get $counter' : i === 13 ? 'local.get $nonce' : 'i32.const 0');
  return `(func $rand-block (param $nonce i32) (param $counter i32) (param $out i32)
    ${Array.from({ length: 16 }, (_, i) => `(local ${x(i)} i32)`).join(' ')} (local $round i32)
    ${Array.from({ length: 16 }, (_, i) => `${initial(i)} local.set ${x(i)}`).join('\n    ')}
    loop $double
      ${rounds.join('\n      ')}
      local.get $round i32.const 1 i32.add local.tee $round i32.const 10 i32.lt_u br_if $double
    end
    ${Array.from({ length: 16 }, (_, i) => `local.get $out local.get ${x(i)} ${initial(i)} i32.add i32.store offset=${i * 4}`).join('\n    ')})`;
}

// (stream, dst, len): the next len bytes of the stream, copied to dst.
const RAND_TAKE = `(func $rand-take (param $s i32) (param $dst i32) (param $len i32)
    (local $stream i32) (local $pos i32) (local $n i32) (local $counter i32)
    call $rand-page
    local.get $s
    i32.const ${STREAM_SIZE}
    i32.mul
    i32.add
    i32.const ${STREAMS_AT}
    i32.add
    local.set $stream
    block $done
      loop $next
        local.get $len
        i32.eqz
        br_if $done
        local.get $stream
        i32.load offset=68
        local.tee $pos
        i32.const 64
        i32.eq
        if
          local.get $stream
          i32.load offset=64
          local.set $counter
          local.get $s
          local.get $counter
          local.get $stream
          call $rand-block
          local.get $stream
          local.get $counter
          i32.const 1
          i32.add
          i32.store offset=64
          i32.const 0
          local.set $pos
        end
        i32.const 64
        local.get $pos
        i32.sub
        local.tee $n
        local.get $len
        local.get $n
        local.get $len
        i32.lt_u
        select
        local.set $n
        local.get $dst
        local.get $stream
        local.get $pos
        i32.add
        local.get $n
        memory.copy
        local.get $stream
        local.get $pos
        local.get $n
        i32.add
        i32.store offset=68
        local.get $dst
        local.get $n
        i32.add
        local.set $dst
        local.get $len
        local.get $n
        i32.sub
        local.set $len
        br $next
      end
    end)`;
