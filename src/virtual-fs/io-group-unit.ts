// The io group: a generated unit that owns wasi:io (error, poll, streams) and
// re-exports every interface the app imports that hands out io resources
// (stdin/stdout/stderr, filesystem, a host monotonic clock), forwarding each
// call to the host. Its resources hold the host's handles, except virtual ones,
// whose rep has the top bit set: the stdio policies (ignore, deny, text), the
// ready pollables they hand out, and the virtual filesystem's descriptors,
// directory listings and file streams, whose calls go to the vfs unit.
import type { StdioPlan } from '../policies/plan.js';
import type { FunctionBody } from '../units/core-module-edit.js';
import { FORWARDING_HELPERS, forwardBody, hostCopies, keepForwardingImport } from '../units/forwarding.js';
import { DATA_BASE, RETURN_AREA, reservedBase, type CoreView, type GeneratedUnitSpec } from '../units/generated-unit.js';
import { ByteWriter } from '../binary/byte-writer.js';
import { InstanceDecls, PRIMITIVE } from '../units/instance-decls.js';
import type { AppImport, Widening } from '../units/unit.js';
import { AbiLayouts } from '../wit/abi-layout.js';
import { formatInterfaceName, interfaceId } from '../wit/names.js';
import { caseIndex, READY_ID, type WasiWit } from '../wit/wasi-wit.js';
import { READY_NAME } from '../virtual-env/clocks-unit.js';
import { interfaceOf, mirrorExports, returnErrorOf } from '../null-sockets/sockets-unit.js';
import { FILESYSTEM_IDS, FS_TYPES_ID, VFS_NAME, vfsFunctions } from './vfs-unit.js';

/** The interfaces the io group always owns when the app imports them. */
export const IO_GROUP_IDS = [
  'wasi:io/error', 'wasi:io/poll', 'wasi:io/streams',
  'wasi:cli/stdin', 'wasi:cli/stdout', 'wasi:cli/stderr',
  'wasi:filesystem/types', 'wasi:filesystem/preopens',
] as const;

// Virtual resources: the top bit marks them; the low bits say which. A pollable
// that waits for a virtual deadline is DEADLINE + its slot in the deadline table.
const VIRTUAL = 0x80000000;
const KIND = { discard: 1, closedOutput: 2, empty: 3, closedInput: 4, text: 5, ready: 6 } as const;
const DEADLINE = 0x100;
const rep = (kind: number): string => `i32.const ${(VIRTUAL | kind) | 0}`;
// A stream on a virtual file: VIRTUAL | FILE_STREAM | the vfs unit's stream handle.
// (Not bit 30: jco's handle tables keep their own flag there, and lose it from a rep.)
const FILE_STREAM = 0x20000000;
// An io error of a virtual file: VIRTUAL | FILE_ERROR | its filesystem error-code, which `filesystem-error-code` answers.
const FILE_ERROR = 0x10000000;
const ERROR_ID = 'wasi:io/error';
const FILE_ERROR_TEXT = new TextEncoder().encode('a write to a virtual file failed (see filesystem-error-code)');
const isFileStream = ['local.get 0', `i32.const ${FILE_STREAM}`, 'i32.and'];
const isFileError = ['local.get 0', `i32.const ${(VIRTUAL | FILE_ERROR) | 0}`, 'i32.and', `i32.const ${(VIRTUAL | FILE_ERROR) | 0}`, 'i32.eq'];
const unwrap = (mask: number): string[] => [`i32.const ${mask}`, 'i32.and'];
const VFS_MODULE = 'virt:fs/vfs';
// File stream methods, and the vfs function that answers each (flushes need none).
const FILE_STREAM_CALLS: Readonly<Record<string, string>> = {
  read: 'stream-read', 'blocking-read': 'stream-read', skip: 'stream-skip', 'blocking-skip': 'stream-skip',
  'check-write': 'stream-check-write', write: 'stream-write', 'blocking-write-and-flush': 'stream-write',
  'write-zeroes': 'stream-write-zeroes', 'blocking-write-zeroes-and-flush': 'stream-write-zeroes',
};
const TEXT_POSITION = 12; // u32: how much of the stdin text the app has read

// Virtual time for sleeps, kept after the stdin text: the floor (u64, how far
// `poll` has moved virtual time), then SLOTS slots of (deadline u64, in use u32).
const SLOTS = 1024;
const SLOT_SIZE = 16;

// Drops of virtual files, descriptors and listings wait in a queue (a count, then
// entries of kind << 30 | handle) until the next call into the vfs unit: a
// destructor runs outside any task of jco's, and cannot call another component.
const DROPS = 4096;
const DROP_KINDS = ['drop-descriptor', 'drop-directory-entry-stream', 'drop-stream'] as const;

function dropHelpers(drops: number, core: CoreView): string[] {
  const entry = ['local.get 0', 'i32.const 2', 'i32.shl', `i32.const ${drops + 4}`, 'i32.add'];
  const flushOne = DROP_KINDS.flatMap((fn, kind) => [
    'local.get 1', 'i32.const 30', 'i32.shr_u', `i32.const ${kind}`, 'i32.eq',
    'if', 'local.get 1', 'i32.const 0x3fffffff', 'i32.and', `call ${core.imported(VFS_MODULE, fn).index}`, 'end',
  ]);
  return [
    // Queues a drop; when the queue is full, the vfs unit keeps that entry until the run ends.
    `  (func $virt-defer-drop (param i32)
    (local i32)
    i32.const ${drops} i32.load local.tee 1 i32.const ${DROPS} i32.lt_u
    if local.get 1 i32.const 2 i32.shl i32.const ${drops + 4} i32.add local.get 0 i32.store
      i32.const ${drops} local.get 1 i32.const 1 i32.add i32.store end)`,
    ['  (func $virt-flush-drops (local i32 i32)', `i32.const ${drops}`, 'i32.load', 'local.set 0',
      'block', 'loop', 'local.get 0', 'i32.eqz', 'br_if 1',
      'local.get 0', 'i32.const 1', 'i32.sub', 'local.set 0',
      ...entry, 'i32.load', 'local.set 1', ...flushOne, 'br 0', 'end', 'end',
      `i32.const ${drops}`, 'i32.const 0', 'i32.store', ')'].join('\n'),
  ];
}

// Helpers over virtual pollables: ready now? (READY, or a deadline the floor has passed), and their deadline.
function pollableHelpers(state: number): string[] {
  const slot = ['local.get 0', `i32.const ${VIRTUAL | DEADLINE}`, 'i32.sub', `i32.const ${SLOT_SIZE}`, 'i32.mul', `i32.const ${state + 16}`, 'i32.add'];
  const isDeadline = ['local.get 0', `i32.const ${(VIRTUAL | DEADLINE) | 0}`, 'i32.sub', `i32.const ${SLOTS}`, 'i32.lt_u'];
  return [
    `  (func $virt-deadline (param i32) (result i64)
    ${isDeadline.join(' ')}
    if (result i64) ${slot.join(' ')} i64.load else i64.const -1 end)`,
    `  (func $virt-ready (param i32) (result i32)
    local.get 0 ${rep(KIND.ready)} i32.eq
    ${isDeadline.join(' ')}
    if (result i32) local.get 0 call $virt-deadline i32.const ${state} i64.load i64.le_u else i32.const 0 end
    i32.or)`,
    // Waiting on a deadline moves the floor to it.
    `  (func $virt-wait (param i32)
    local.get 0 call $virt-deadline i32.const ${state} i64.load i64.gt_u
    local.get 0 call $virt-deadline i64.const -1 i64.ne i32.and
    if i32.const ${state} local.get 0 call $virt-deadline i64.store end)`,
    `  (func $virt-release (param i32)
    ${isDeadline.join(' ')}
    if ${slot.join(' ')} i32.const 0 i32.store offset=8 end)`,
  ];
}

// Whether a pollable is ready now: a virtual one by its kind or deadline, a host one as the host's
// non-blocking `ready` says (`hostReady`: its import; without one, a host pollable is never ready now).
function readyNowHelper(hostReady: number | undefined): string {
  const host = hostReady === undefined ? 'i32.const 0' : `local.get 0 call ${hostReady}`;
  return `  (func $virt-ready-now (param i32) (result i32)
    local.get 0 i32.const 0 i32.lt_s
    if (result i32) local.get 0 call $virt-ready else ${host} end)`;
}

const POLL_ID = 'wasi:io/poll';
const READY_METHOD = '[method]pollable.ready';

// Declares `[method]pollable.ready` on an app's wasi:io/poll import that lacks it.
const askForReady: Widening = ({ localCount, localIndex }) => {
  const pollable = localIndex.get('pollable');
  if (pollable === undefined) throw new Error('assertion failed: an app that imports `poll` imports `pollable`');
  const decls = new InstanceDecls(localCount);
  const borrow = decls.type(new ByteWriter().u8(0x68).u32(pollable));
  decls.exportFunction(READY_METHOD, [['self', borrow]], PRIMITIVE.bool);
  return decls.decls;
};

const STREAMS = 'wasi:io/streams';
const WRITE_LIKE = ['write', 'blocking-write-and-flush', 'flush', 'blocking-flush', 'write-zeroes', 'blocking-write-zeroes-and-flush'];

/** The io group's unit for the app's imports it takes over; with `virtualFs`, the filesystem is the vfs unit's. */
export function ioGroupUnit(wit: WasiWit, imports: readonly AppImport[], stdio: StdioPlan, readyPollables: boolean, virtualFs: boolean): GeneratedUnitSpec {
  const abi = new AbiLayouts(wit);
  const owned = new Set(imports.map((app) => interfaceId(app.name)));
  const closed = caseIndex(wit, STREAMS, 'stream-error', 'closed');
  const payload = (expr: string): number => abi.variant(STREAMS, expr).payloadOffset;
  if (stdio.stdin.mode === 'file') throw new Error('assertion failed: the build loads stdin files before it builds units');
  const text = stdio.stdin.mode === 'text' ? stdio.stdin.data : new Uint8Array();
  // The data: the stdin text, then the debug string of a virtual file's io error.
  const data = new Uint8Array([...text, ...(virtualFs ? FILE_ERROR_TEXT : [])]);
  const state = reservedBase(data.length);

  // Writes `result::ok` (with `value` instructions storing its payload), or `err(closed)`, to the return area.
  const ok = (store: string[] = []): string[] => [`i32.const ${RETURN_AREA}`, 'i32.const 0', 'i32.store8', ...store, `i32.const ${RETURN_AREA}`];
  const errClosed = (resultType: string): string[] => returnErrorOf(abi, STREAMS, resultType, closed);
  const u64At = (offset: number, value: string[]): string[] => [`i32.const ${RETURN_AREA}`, ...value, `i64.store offset=${offset}`];
  const isKind = (kind: number): string[] => ['local.get 0', rep(kind), 'i32.eq'];

  const flushingDrops = (body: FunctionBody): FunctionBody => ({ ...body, instructions: ['call $virt-flush-drops', ...body.instructions] });

  // A file stream's method: the vfs unit answers it, through the io group's return area.
  function fileStreamBody(coreName: string, name: string, core: CoreView): string[] {
    const target = FILE_STREAM_CALLS[name];
    if (!target) return name.includes('flush') ? ok() : [];
    return [...flushingDrops(forwardBody({
      abi, core, coreName, func: coreName.slice(coreName.lastIndexOf('|') + 1), id: STREAMS,
      // The vfs unit's `last-operation-failed` holds an error-code: the io group makes it a virtual io error.
      ownsResourcesOf: (home) => home === ERROR_ID, toRep: () => [`i32.const ${(VIRTUAL | FILE_ERROR) | 0}`, 'i32.or'],
      target: { module: VFS_MODULE, func: target }, param: (i) => (i === 0 ? unwrap(~(VIRTUAL | FILE_STREAM)) : []),
    })).instructions];
  }

  // filesystem/types and preopens on the virtual filesystem: every descriptor is virtual.
  function vfsBody(func: string, coreName: string, core: CoreView, id: string): FunctionBody {
    const kind = DROP_KINDS.indexOf(func === 'descriptor_dtor' ? 'drop-descriptor' : 'drop-directory-entry-stream');
    if (func.endsWith('_dtor')) return { instructions: ['local.get 0', ...unwrap(~VIRTUAL), `i32.const ${kind << 30}`, 'i32.or', 'call $virt-defer-drop'] };
    // A virtual file's io error holds its error-code; no other io error comes from a file.
    if (func === 'filesystem-error-code') {
      return {
        instructions: [
          `i32.const ${RETURN_AREA}`, ...isFileError, 'i32.store8',
          `i32.const ${RETURN_AREA}`, 'local.get 0', 'i32.const 0xff', 'i32.and', 'i32.store8 offset=1',
          `i32.const ${RETURN_AREA}`,
        ],
      };
    }
    const method = /^\[method\](?:descriptor|directory-entry-stream)\.(.+)$/.exec(func)?.[1];
    const target = method ?? func;
    // Every borrowed descriptor or listing (`self`, a second descriptor) is a virtual rep: the vfs takes its handle.
    const borrowed = new Set(abi.paramHandleSites(id, func).filter((site) => !site.own).map((site) => site.index));
    return flushingDrops(forwardBody({
      abi, core, coreName, func, id, ownsResourcesOf: (home) => owned.has(home) || home === STREAMS,
      target: { module: VFS_MODULE, func: target },
      param: (i) => (borrowed.has(i) ? unwrap(~VIRTUAL) : []),
      toRep: (site) => [`i32.const ${(site.home === STREAMS ? VIRTUAL | FILE_STREAM : VIRTUAL) | 0}`, 'i32.or'],
    }));
  }

  function virtualBody(func: string, core: CoreView): string[] | undefined {
    const method = /^\[method\]([a-z-]+)\.(.+)$/.exec(func);
    if (!method) return undefined;
    const [, resource, name] = method;
    if (resource === 'pollable') return name === 'ready' ? ['local.get 0', 'call $virt-ready'] : name === 'block' ? ['local.get 0', 'call $virt-wait'] : undefined;
    if (name === 'subscribe') return [rep(KIND.ready), `call ${core.imported('_ex_wasi:io/poll', 'pollable_new').index}`];
    if (resource === 'output-stream') {
      if (name === 'check-write') {
        const result = 'result<u64, stream-error>';
        return [...isKind(KIND.closedOutput), 'if', ...errClosed(result), 'return', 'end', ...ok(u64At(payload(result), ['i64.const 65536']))];
      }
      if (WRITE_LIKE.includes(name)) {
        return [...isKind(KIND.closedOutput), 'if', ...errClosed('result<_, stream-error>'), 'return', 'end', ...ok()];
      }
      const result = 'result<u64, stream-error>';
      return [...isKind(KIND.closedOutput), 'if', ...errClosed(result), 'return', 'end', ...ok(u64At(payload(result), ['i64.const 0']))];
    }
    if (resource === 'error') {
      if (name !== 'to-debug-string' || !virtualFs) return undefined;
      return [`i32.const ${RETURN_AREA}`, `i32.const ${DATA_BASE + text.length}`, 'i32.store', `i32.const ${RETURN_AREA}`, `i32.const ${FILE_ERROR_TEXT.length}`, 'i32.store offset=4', `i32.const ${RETURN_AREA}`];
    }
    if (resource !== 'input-stream') return undefined;
    // Input streams: only the text has bytes; the end of the text, ignore and deny all answer `closed`.
    const reads = name === 'read' || name === 'blocking-read';
    const result = reads ? 'result<list<u8>, stream-error>' : 'result<u64, stream-error>';
    const at = payload(result);
    // n = min(len, remaining) into local 2 (a local the body declares), then position += n.
    const take = [
      'local.get 1', `i32.const ${text.length}`, `i32.const ${TEXT_POSITION}`, 'i32.load', 'i32.sub', 'i64.extend_i32_u',
      'local.get 1', `i32.const ${text.length}`, `i32.const ${TEXT_POSITION}`, 'i32.load', 'i32.sub', 'i64.extend_i32_u', 'i64.lt_u',
      'select', 'i32.wrap_i64', 'local.set 2',
    ];
    const answer = reads
      ? [`i32.const ${RETURN_AREA}`, `i32.const ${DATA_BASE}`, `i32.const ${TEXT_POSITION}`, 'i32.load', 'i32.add', `i32.store offset=${at}`,
         `i32.const ${RETURN_AREA}`, 'local.get 2', `i32.store offset=${at + 4}`]
      : [`i32.const ${RETURN_AREA}`, 'local.get 2', 'i64.extend_i32_u', `i64.store offset=${at}`];
    return [
      ...isKind(KIND.text), `i32.const ${TEXT_POSITION}`, 'i32.load', `i32.const ${text.length}`, 'i32.lt_u', 'i32.and', 'i32.eqz',
      'if', ...errClosed(result), 'return', 'end',
      ...take, ...ok(answer),
      `i32.const ${TEXT_POSITION}`, `i32.const ${TEXT_POSITION}`, 'i32.load', 'local.get 2', 'i32.add', 'i32.store',
    ];
  }

  // poll: ready virtual entries answer at once. When none is ready but some wait for a
  // virtual deadline, virtual time moves to the earliest of them, one step, and those wake.
  function pollBody(core: CoreView): string[] {
    const realloc = core.exported('cm32p2_realloc').index;
    // params 0 = list, 1 = length; locals: 2 = index, 3 = count of ready entries, 4 = output list, 5 = earliest deadline (i64)
    const each = (body: string[]): string[] => [
      'i32.const 0', 'local.set 2',
      'block', 'loop', 'local.get 2', 'local.get 1', 'i32.ge_u', 'br_if 1',
      ...body,
      'local.get 2', 'i32.const 1', 'i32.add', 'local.set 2', 'br 0', 'end', 'end',
    ];
    const entry = ['local.get 0', 'local.get 2', 'i32.const 2', 'i32.shl', 'i32.add', 'i32.load'];
    const countReady = ['i32.const 0', 'local.set 3', ...each([...entry, 'call $virt-ready-now', 'local.get 3', 'i32.add', 'local.set 3'])];
    return [
      ...countReady,
      'local.get 3', 'i32.eqz', 'if',
      'i64.const -1', 'local.set 5',
      ...each([...entry, 'call $virt-deadline', 'local.get 5', 'i64.lt_u', 'if', ...entry, 'call $virt-deadline', 'local.set 5', 'end']),
      'local.get 5', 'i64.const -1', 'i64.ne', 'if', `i32.const ${state}`, 'local.get 5', 'i64.store', ...countReady, 'end',
      'end',
      'local.get 3', 'if',
      'i32.const 0', 'i32.const 0', 'i32.const 4', 'local.get 3', 'i32.const 2', 'i32.shl', `call ${realloc}`, 'local.set 4',
      `i32.const ${RETURN_AREA}`, 'local.get 4', 'i32.store', `i32.const ${RETURN_AREA}`, 'local.get 3', 'i32.store offset=4',
      'i32.const 0', 'local.set 3',
      ...each([...entry, 'call $virt-ready-now', 'if', 'local.get 4', 'local.get 3', 'i32.const 2', 'i32.shl', 'i32.add', 'local.get 2', 'i32.store',
        'local.get 3', 'i32.const 1', 'i32.add', 'local.set 3', 'end']),
      `i32.const ${RETURN_AREA}`, 'return', 'end',
    ];
  }

  // The ready interface: a pollable for a deadline takes a free slot; the floor is read as it is.
  function readyBody(func: string, core: CoreView): FunctionBody {
    if (func === 'time-floor') return { instructions: [`i32.const ${state}`, 'i64.load'] };
    const slot = ['local.get 1', `i32.const ${SLOT_SIZE}`, 'i32.mul', `i32.const ${state + 16}`, 'i32.add'];
    return {
      name: 'virtual-sleep',
      locals: ['i32'],
      instructions: [
        'i32.const 0', 'local.set 1',
        'block', 'loop', 'local.get 1', `i32.const ${SLOTS}`, 'i32.ge_u', 'br_if 1',
        ...slot, 'i32.load offset=8', 'i32.eqz',
        'if', ...slot, 'local.get 0', 'i64.store', ...slot, 'i32.const 1', 'i32.store offset=8',
        'local.get 1', `i32.const ${(VIRTUAL | DEADLINE) | 0}`, 'i32.add', `call ${core.imported('_ex_wasi:io/poll', 'pollable_new').index}`, 'return', 'end',
        'local.get 1', 'i32.const 1', 'i32.add', 'local.set 1', 'br 0', 'end', 'end',
        'unreachable', // more sleeps at once than there are slots
      ],
    };
  }

  const stdioKind = { stdin: stdio.stdin.mode, stdout: stdio.stdout, stderr: stdio.stderr };
  // `poll` asks the host whether its own entries are ready, without blocking, before it moves virtual time.
  const pollApp = imports.find((app) => interfaceId(app.name) === POLL_ID);
  const pollsHost = pollApp !== undefined && pollApp.functions.includes('poll');
  const virtualStream = (stream: 'stdin' | 'stdout' | 'stderr', core: CoreView): string[] | undefined => {
    const mode = stdioKind[stream];
    if (mode === 'host') return undefined;
    const kind = stream === 'stdin'
      ? { ignore: KIND.empty, deny: KIND.closedInput, text: KIND.text }[mode as 'ignore' | 'deny' | 'text']
      : { ignore: KIND.discard, deny: KIND.closedOutput }[mode as 'ignore' | 'deny'];
    const resource = stream === 'stdin' ? 'input-stream' : 'output-stream';
    return [rep(kind), `call ${core.imported('_ex_wasi:io/streams', `${resource}_new`).index}`];
  };

  return {
    name: 'io-group',
    exports: [
      ...mirrorExports(imports),
      ...(readyPollables ? [{ name: READY_NAME, functions: new Map([['subscribe-deadline', 'subscribe-deadline'], ['time-floor', 'time-floor']]) }] : []),
    ],
    // A stream the Plan does not leave to the host is never asked of it.
    imports: [
      ...hostCopies(imports)
        .filter((copy) => !(/^(stdin|stdout|stderr)$/.test(copy.name.interface) && stdioKind[copy.name.interface as keyof typeof stdioKind] !== 'host'))
        .filter((copy) => !(virtualFs && copy.name.package === 'filesystem'))
        .map((copy) => ({ ...copy, hostUses: true, ...(pollsHost && copy.name.interface === 'poll' ? { functions: new Set([...copy.functions, READY_METHOD]) } : {}) })),
      ...(virtualFs ? [{ name: VFS_NAME, outer: formatInterfaceName(VFS_NAME), functions: new Set(vfsFunctions(wit, imports.find((app) => interfaceId(app.name) === FS_TYPES_ID))) }] : []),
    ],
    keepImport: (module, name) => keepForwardingImport(module, name) || module.includes(`|${VFS_MODULE}@`),
    data,
    reserve: 16 + SLOTS * SLOT_SIZE + (virtualFs ? 16 + DROPS * 4 : 0),
    helpers: (core) => [
      ...FORWARDING_HELPERS, ...pollableHelpers(state), ...(virtualFs ? dropHelpers(state + 16 + SLOTS * SLOT_SIZE, core) : []),
      readyNowHelper(pollsHost ? core.imported('host:io/poll', READY_METHOD).index : undefined),
    ],
    ...(pollsHost && !pollApp.functions.includes(READY_METHOD) ? { widen: new Map([[formatInterfaceName(pollApp.name), askForReady]]) } : {}),
    body(func, coreName, core): FunctionBody {
      if (func.endsWith('_post')) return { instructions: [] };
      if (coreName.includes(`|${READY_ID}@`)) return readyBody(func, core);
      const id = interfaceOf(coreName);
      if (virtualFs && FILESYSTEM_IDS.includes(id)) return vfsBody(func, coreName, core, id);
      const stream = /^get-(stdin|stdout|stderr)$/.exec(func)?.[1] as 'stdin' | 'stdout' | 'stderr' | undefined;
      const virtualGet = stream && virtualStream(stream, core);
      if (virtualGet) return { instructions: virtualGet };
      const forward = forwardBody({ abi, core, coreName, func, id, ownsResourcesOf: (home) => owned.has(home) });
      if (stream) return forward;
      if (!id.startsWith('wasi:io/')) return forward;
      // Virtual resources never reach the host: destructors and methods answer them here.
      if (func.endsWith('_dtor')) {
        const dropFile = virtualFs && func.endsWith('-stream_dtor')
          ? [...isFileStream, 'if', 'local.get 0', ...unwrap(~(VIRTUAL | FILE_STREAM)), `i32.const ${DROP_KINDS.indexOf('drop-stream') << 30}`, 'i32.or', 'call $virt-defer-drop', 'return', 'end']
          : [];
        return { instructions: ['local.get 0', 'i32.const 0', 'i32.lt_s', 'if', ...dropFile, 'local.get 0', 'call $virt-release', 'return', 'end', ...forward.instructions] };
      }
      if (func === 'poll') return { locals: ['i32', 'i32', 'i32', 'i64'], instructions: [...pollBody(core), ...forward.instructions] };
      const virtual = virtualBody(func, core);
      if (!virtual) return forward;
      const streamMethod = /^\[method\](?:input|output)-stream\.(.+)$/.exec(func)?.[1];
      const file = virtualFs && streamMethod ? fileStreamBody(coreName, streamMethod, core) : [];
      const onFile = file.length ? [...isFileStream, 'if', ...file, 'return', 'end'] : [];
      // io methods return no lists of handles, so the forward needs no locals; local 2 is the virtual body's.
      return {
        locals: ['i32'],
        instructions: ['local.get 0', 'i32.const 0', 'i32.lt_s', 'if', ...onFile, ...virtual, 'return', 'end', ...forward.instructions],
      };
    },
  };
}
