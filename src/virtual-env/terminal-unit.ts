// The null terminal, for `stdio.terminal: none`: no stream is a terminal, so a
// run on a tty and a run into a pipe see the same answers.
//
//   get-terminal-stdin/stdout/stderr   none
//   terminal-input, terminal-output    resource types only: no handle can exist
import { mirrorExports } from '../null-sockets/sockets-unit.js';
import { RETURN_NONE, type GeneratedUnitSpec } from '../units/generated-unit.js';
import type { InAppPart } from '../units/in-app-unit.js';
import type { AppImport } from '../units/unit.js';

/** The terminal interfaces, unversioned. */
export const TERMINAL_IDS = [
  'wasi:cli/terminal-input', 'wasi:cli/terminal-output', 'wasi:cli/terminal-stdin', 'wasi:cli/terminal-stdout', 'wasi:cli/terminal-stderr',
];

/** The unit that answers the app's terminal imports: never a terminal. */
export function nullTerminalUnit(imports: readonly AppImport[]): GeneratedUnitSpec {
  return {
    name: 'null-terminal',
    exports: mirrorExports(imports),
    imports: [],
    keepImport: () => false,
    body(func) {
      // option<own<terminal-*>>: the none case in the return area (post-returns and destructors do nothing).
      if (func.startsWith('get-terminal-') && !func.endsWith('_post')) {
        return { instructions: [...RETURN_NONE] };
      }
      return { instructions: [] };
    },
  };
}

/** The same, inside the app: get-terminal-*(retptr) store the none case. */
export function nullTerminalInApp(imports: readonly AppImport[]): InAppPart {
  return { imports, body: () => ({ instructions: ['local.get 0', 'i32.const 0', 'i32.store8'] }) };
}
