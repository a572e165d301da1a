// A bump allocator with two regions: what `init` builds under Wizer is kept
// (it is part of the snapshot); what a call allocates after that lives in a
// per-call arena that the next call starts by resetting. Calls are never
// re-entered (the component model forbids it), so a reset at the start of
// each export frees everything the previous call handed out.

let top: usize = 0;
let arenaBase: usize = 0;

function alignUp(ptr: usize, align: usize): usize {
  return (ptr + align - 1) & ~(align - 1);
}

/** Starts initialization: persistent data begins right after the static data. */
export function beginPersistent(): void {
  top = __heap_base;
}

/** Allocates `size` bytes aligned to `align` (a power of two), growing memory as needed. */
export function alloc(size: usize, align: usize): usize {
  const ptr = alignUp(top, align);
  const end = ptr + size;
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >>> 16);
    if (memory.grow(pages) < 0) unreachable();
  }
  top = end;
  return ptr;
}

/** Ends initialization: everything allocated so far is kept for good. */
export function sealPersistent(): void {
  arenaBase = alignUp(top, 16);
  top = arenaBase;
}

/** Keeps what this call allocated for good: later resets free only what comes after it. */
export function keepArena(): void {
  arenaBase = alignUp(top, 16);
  top = arenaBase;
}

/** Frees everything the previous call allocated. */
export function resetArena(): void {
  top = arenaBase;
}

/** The canonical ABI allocator that the host uses to hand lists and strings to this unit. */
export function cabiRealloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  const ptr = alloc(newSize, align);
  if (oldPtr != 0) memory.copy(ptr, oldPtr, oldSize < newSize ? oldSize : newSize);
  return ptr;
}
