// The exit virt unit, built when the manifest says `exit: deny`: `exit` and
// `exit-with-code` trap, in a function named `exit-denied-by-manifest`.
@external("virt-deny", "exit") declare function denyExit(): void;

export function init(): void {}

export function exit(status: i32): void {
  denyExit();
}

export function exit_with_code(code: i32): void {
  denyExit();
}
