// The `wasi:cli/environment` virt unit: fixed variables, arguments and cwd,
// with the host's variables filtered by globs and the host's arguments or cwd
// passed through where the manifest says so.
//
// Config blob (little-endian; written by src/virtual-env/environment-config.ts):
//   u32 hostEnv        0 none | 1 all | 2 allow-list | 3 deny-list
//   u32 n, n × bytes   glob patterns for the allow- or deny-list
//   u32 n, n × (bytes key, bytes value)   fixed variables, in order
//   u32 argsMode       0 host | 1 fixed
//   u32 n, n × bytes   fixed arguments
//   u32 cwdMode        0 none | 1 host | 2 fixed
//   bytes              the fixed cwd (present only when cwdMode is 2)
// where bytes = u32 length, then that many UTF-8 bytes.
//
// WASI asks these functions to return the same values on every call, so the
// first answer that involves the host is kept and returned from then on.
//
// Canonical ABI layouts: string and list = (ptr u32 @0, len u32 @4);
// tuple<string,string> = 16 bytes; option<string> = tag u8 @0, string @4.
import { alloc, beginPersistent, sealPersistent, resetArena, keepArena, cabiRealloc } from "./memory";
import { openConfig, readU32, readBytesTo } from "./config";
import { globMatch, bytesEqual } from "./glob";

// The host's own environment, imported under a renamed package (see DESIGN.md).
@external("host-environment", "get-environment") declare function hostGetEnvironment(ret: usize): void;
@external("host-environment", "get-arguments") declare function hostGetArguments(ret: usize): void;
@external("host-environment", "initial-cwd") declare function hostInitialCwd(ret: usize): void;

const HOST_NONE: u32 = 0;
const HOST_ALL: u32 = 1;
const HOST_ALLOW: u32 = 2;
const ARGS_HOST: u32 = 0;
const CWD_NONE: u32 = 0;
const CWD_HOST: u32 = 1;

const STRING_SIZE: usize = 8;
const PAIR_SIZE: usize = 16;

let hostEnv: u32 = HOST_NONE;
let patterns: usize = 0;
let patternCount: u32 = 0;
let vars: usize = 0;
let varCount: u32 = 0;
let argsMode: u32 = ARGS_HOST;
let args: usize = 0;
let argCount: u32 = 0;
let cwdMode: u32 = CWD_NONE;
let cwd: usize = 0; // a string (ptr, len)
let ret: usize = 0; // the return area handed to the caller
let keptEnvironment: usize = 0; // (ptr, len) of the first answer built with the host's variables, once there is one
let keptArguments: usize = 0; // (ptr, len) of the host's arguments, once asked
let keptCwd: usize = 0; // the host's option<string>, once asked
let hostRet: usize = 0; // the return area of host calls

function readStrings(count: u32, width: usize): usize {
  const list = alloc(<usize>count * width, 4);
  for (let i: u32 = 0; i < count; i++) {
    for (let part: usize = 0; part < width; part += STRING_SIZE) readBytesTo(list + <usize>i * width + part);
  }
  return list;
}

export function init(): void {
  beginPersistent();
  openConfig();
  hostEnv = readU32();
  patternCount = readU32();
  patterns = readStrings(patternCount, STRING_SIZE);
  varCount = readU32();
  vars = readStrings(varCount, PAIR_SIZE);
  argsMode = readU32();
  argCount = readU32();
  args = readStrings(argCount, STRING_SIZE);
  cwdMode = readU32();
  cwd = alloc(STRING_SIZE, 4);
  if (cwdMode != CWD_NONE && cwdMode != CWD_HOST) readBytesTo(cwd);
  ret = alloc(16, 8);
  hostRet = alloc(16, 8);
  sealPersistent();
}

function returnList(ptr: usize, len: u32): usize {
  store<u32>(ret, <u32>ptr);
  store<u32>(ret, len, 4);
  return ret;
}

function isFixed(key: usize, keyLen: u32): bool {
  for (let i: u32 = 0; i < varCount; i++) {
    const entry = vars + <usize>i * PAIR_SIZE;
    if (bytesEqual(load<u32>(entry), load<u32>(entry, 4), key, keyLen)) return true;
  }
  return false;
}

function hostVarAllowed(key: usize, keyLen: u32): bool {
  if (hostEnv == HOST_ALL) return true;
  let matched = false;
  for (let i: u32 = 0; i < patternCount && !matched; i++) {
    const pattern = patterns + <usize>i * STRING_SIZE;
    matched = globMatch(load<u32>(pattern), load<u32>(pattern, 4), key, keyLen);
  }
  return hostEnv == HOST_ALLOW ? matched : !matched;
}

function keep(answer: usize, size: usize): usize {
  const kept = alloc(size, 4);
  memory.copy(kept, answer, size);
  keepArena();
  return kept;
}

export function get_environment(): usize {
  resetArena();
  if (hostEnv == HOST_NONE) return returnList(vars, varCount);
  if (keptEnvironment != 0) return returnList(load<u32>(keptEnvironment), load<u32>(keptEnvironment, 4));
  hostGetEnvironment(hostRet);
  const hostList = <usize>load<u32>(hostRet);
  const hostCount = load<u32>(hostRet, 4);
  const out = alloc(<usize>(varCount + hostCount) * PAIR_SIZE, 4);
  memory.copy(out, vars, <usize>varCount * PAIR_SIZE);
  let count = varCount;
  for (let i: u32 = 0; i < hostCount; i++) {
    const entry = hostList + <usize>i * PAIR_SIZE;
    const key = <usize>load<u32>(entry);
    const keyLen = load<u32>(entry, 4);
    if (isFixed(key, keyLen) || !hostVarAllowed(key, keyLen)) continue;
    memory.copy(out + <usize>count * PAIR_SIZE, entry, PAIR_SIZE);
    count++;
  }
  keptEnvironment = keep(returnList(out, count), 8);
  return ret;
}

export function get_arguments(): usize {
  resetArena();
  if (argsMode != ARGS_HOST) return returnList(args, argCount);
  if (keptArguments == 0) {
    hostGetArguments(hostRet);
    keptArguments = keep(hostRet, 8);
  }
  return returnList(load<u32>(keptArguments), load<u32>(keptArguments, 4));
}

export function initial_cwd(): usize {
  resetArena();
  if (cwdMode == CWD_HOST) {
    if (keptCwd == 0) {
      hostInitialCwd(hostRet);
      keptCwd = keep(hostRet, 12);
    }
    memory.copy(ret, keptCwd, 12);
    return ret;
  }
  store<u32>(ret, cwdMode == CWD_NONE ? 0 : 1);
  store<u32>(ret, load<u32>(cwd), 4);
  store<u32>(ret, load<u32>(cwd, 4), 8);
  return ret;
}

export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  return cabiRealloc(oldPtr, oldSize, align, newSize);
}
