// The random virt unit: ChaCha20 keystreams keyed from the manifest's seed,
// or denied. `random` and `insecure` read separate streams (nonces 0 and 1);
// `insecure-seed` reads the first 16 bytes of stream 2. Every request takes
// the next bytes of its stream, so 2×16 bytes equal the first 32 of 1×32.
//
// Config blob (written by src/virtual-env/random-config.ts):
//   u32 mode   0 seeded | 1 deny
//   32 bytes   the ChaCha20 key (SHA-256 of the seed, derived at build time)
import { alloc, beginPersistent, sealPersistent, resetArena, cabiRealloc } from "./memory";
import { openConfig, readU32, readRaw } from "./config";

@external("virt-deny", "random") declare function denyRandom(): void;

const DENY: u32 = 1;
const BLOCK: u32 = 64;
const STREAMS: u32 = 3;
const RANDOM: u32 = 0;
const INSECURE: u32 = 1;
const INSECURE_SEED: u32 = 2;

// Per stream: 64 keystream bytes, then u32 block counter @64, u32 position @68.
const STREAM_SIZE: usize = 72;

let denied = false;
let key: usize = 0; // 8 u32 words
let state: usize = 0; // 16 u32 words of scratch
let streams: usize = 0;
let ret: usize = 0;

export function init(): void {
  beginPersistent();
  openConfig();
  denied = readU32() == DENY;
  key = alloc(32, 4);
  readRaw(key, 32);
  state = alloc(64, 4);
  streams = alloc(<usize>STREAMS * STREAM_SIZE, 4);
  for (let s: u32 = 0; s < STREAMS; s++) store<u32>(streams + <usize>s * STREAM_SIZE, BLOCK, 68);
  ret = alloc(16, 8);
  sealPersistent();
}

@inline function word(i: u32): u32 {
  return load<u32>(state + (<usize>i << 2));
}

@inline function setWord(i: u32, value: u32): void {
  store<u32>(state + (<usize>i << 2), value);
}

@inline function quarterRound(a: u32, b: u32, c: u32, d: u32): void {
  setWord(a, word(a) + word(b)); setWord(d, rotl<u32>(word(d) ^ word(a), 16));
  setWord(c, word(c) + word(d)); setWord(b, rotl<u32>(word(b) ^ word(c), 12));
  setWord(a, word(a) + word(b)); setWord(d, rotl<u32>(word(d) ^ word(a), 8));
  setWord(c, word(c) + word(d)); setWord(b, rotl<u32>(word(b) ^ word(c), 7));
}

// One ChaCha20 block (RFC 8439 §2.3) of stream `nonce` at `counter`, written to `out`.
function chachaBlock(nonce: u32, counter: u32, out: usize): void {
  setWord(0, 0x61707865); setWord(1, 0x3320646e); setWord(2, 0x79622d32); setWord(3, 0x6b206574);
  for (let i: u32 = 0; i < 8; i++) setWord(4 + i, load<u32>(key + (<usize>i << 2)));
  setWord(12, counter); setWord(13, nonce); setWord(14, 0); setWord(15, 0);
  memory.copy(out, state, 64);
  for (let i = 0; i < 10; i++) {
    quarterRound(0, 4, 8, 12); quarterRound(1, 5, 9, 13); quarterRound(2, 6, 10, 14); quarterRound(3, 7, 11, 15);
    quarterRound(0, 5, 10, 15); quarterRound(1, 6, 11, 12); quarterRound(2, 7, 8, 13); quarterRound(3, 4, 9, 14);
  }
  for (let i: u32 = 0; i < 16; i++) {
    const at = out + (<usize>i << 2);
    store<u32>(at, load<u32>(at) + word(i));
  }
}

// The next `len` bytes of stream `s`, copied to `dst`.
function take(s: u32, dst: usize, len: usize): void {
  if (denied) denyRandom();
  const stream = streams + <usize>s * STREAM_SIZE;
  while (len > 0) {
    let pos = load<u32>(stream, 68);
    if (pos == BLOCK) {
      const counter = load<u32>(stream, 64);
      chachaBlock(s, counter, stream);
      store<u32>(stream, counter + 1, 64);
      pos = 0;
    }
    const n = min<usize>(len, BLOCK - pos);
    memory.copy(dst, stream + pos, n);
    store<u32>(stream, pos + <u32>n, 68);
    dst += n;
    len -= n;
  }
}

function bytes(s: u32, len: u64): usize {
  resetArena();
  const ptr = alloc(<usize>len, 1);
  take(s, ptr, <usize>len);
  store<u32>(ret, <u32>ptr);
  store<u32>(ret, <u32>len, 4);
  return ret;
}

function u64From(s: u32): u64 {
  take(s, ret, 8);
  return load<u64>(ret);
}

export function get_random_bytes(len: u64): usize {
  return bytes(RANDOM, len);
}

export function get_random_u64(): u64 {
  return u64From(RANDOM);
}

export function get_insecure_random_bytes(len: u64): usize {
  return bytes(INSECURE, len);
}

export function get_insecure_random_u64(): u64 {
  return u64From(INSECURE);
}

export function insecure_seed(): usize {
  take(INSECURE_SEED, ret, 16);
  return ret;
}

export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  return cabiRealloc(oldPtr, oldSize, align, newSize);
}
