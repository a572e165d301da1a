// The exit unit, for `exit: deny`: both functions trap.
import { adapterPath, type AppImport, type UnitSpec } from '../units/unit.js';

/** The exit interface. */
export const EXIT_ID = 'wasi:cli/exit';

/** The unit that makes the app's `wasi:cli/exit` trap. */
export function exitUnit(exit: AppImport): UnitSpec {
  const table: ReadonlyArray<[string, string]> = [['exit', 'exit'], ['exit-with-code', 'exit_with_code']];
  return {
    name: 'exit',
    adapter: adapterPath('exit'),
    config: new Uint8Array(),
    exports: [{ name: exit.name, functions: new Map(table.filter(([fn]) => exit.functions.includes(fn))) }],
    imports: [],
    denied: new Set(['exit']),
  };
}
