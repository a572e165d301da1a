// The clocks virt unit: virtual wall and monotonic clocks, or denied ones.
// The n-th reading of a virtual clock is start + n·step. A subscription
// (a sleep) returns a pollable that is ready at once and moves virtual time
// to its deadline, the wall clock along with it.
//
// Config blob (little-endian; written by src/virtual-env/clocks-unit.ts):
//   u32 wallMode   0 virtual | 1 deny      u64 wallStart (ns since 1970)   u64 wallStep (ns)
//   u32 monoMode   0 virtual | 1 deny      u64 monoStart (ns)              u64 monoStep (ns)
//   u32 sleeps     0 none | 1 io group
//
// Sleeps: a virtual monotonic clock always comes with virt's io group, whose
// pollables wait for their virtual deadline: the group's `poll` wakes deadlines
// in order and moves its floor, which both clocks catch up with at their next
// reading. No virtual deadline ever reaches the host's poll.
import { alloc, beginPersistent, sealPersistent } from "./memory";
import { openConfig, readU32, readU64 } from "./config";

@external("virt-ready", "subscribe-deadline") declare function subscribeDeadline(when: u64): i32;
@external("virt-ready", "time-floor") declare function timeFloor(): u64;
@external("virt-deny", "wall-clock") declare function denyWallClock(): void;
@external("virt-deny", "monotonic-clock") declare function denyMonotonicClock(): void;

const DENY: u32 = 1;
const NS_PER_SECOND: u64 = 1_000_000_000;

let wallDenied = false;
let wallNow: u64 = 0;
let wallStep: u64 = 0;
let monoDenied = false;
let monoNow: u64 = 0;
let monoStep: u64 = 0;
let ret: usize = 0; // the return area of a datetime: seconds u64 @0, nanoseconds u32 @8
let ioGroup = false;

export function init(): void {
  beginPersistent();
  openConfig();
  wallDenied = readU32() == DENY;
  wallNow = readU64();
  wallStep = readU64();
  monoDenied = readU32() == DENY;
  monoNow = readU64();
  monoStep = readU64();
  ioGroup = readU32() == 1;
  ret = alloc(16, 8);
  sealPersistent();
}

// Catches up with how far the io group's `poll` has moved virtual time; the wall clock moves as far.
function catchUp(): void {
  if (!ioGroup) return;
  const floor = timeFloor();
  if (floor > monoNow) {
    wallNow += floor - monoNow;
    monoNow = floor;
  }
}

function returnDatetime(ns: u64): usize {
  store<u64>(ret, ns / NS_PER_SECOND);
  store<u32>(ret, <u32>(ns % NS_PER_SECOND), 8);
  return ret;
}

export function wall_now(): usize {
  if (wallDenied) denyWallClock();
  catchUp();
  const now = wallNow;
  wallNow += wallStep;
  return returnDatetime(now);
}

export function wall_resolution(): usize {
  if (wallDenied) denyWallClock();
  return returnDatetime(wallStep == 0 ? 1 : wallStep);
}

export function monotonic_now(): u64 {
  if (monoDenied) denyMonotonicClock();
  catchUp();
  const now = monoNow;
  monoNow += monoStep;
  return now;
}

export function monotonic_resolution(): u64 {
  if (monoDenied) denyMonotonicClock();
  return monoStep == 0 ? 1 : monoStep;
}

function sleepUntil(deadline: u64): i32 {
  if (monoDenied) denyMonotonicClock();
  return subscribeDeadline(deadline);
}

export function monotonic_subscribe_instant(when: u64): i32 {
  return sleepUntil(when);
}

export function monotonic_subscribe_duration(duration: u64): i32 {
  catchUp();
  const deadline = monoNow + duration;
  return sleepUntil(deadline < monoNow ? u64.MAX_VALUE : deadline);
}
