// Edits a compiled adapter's core module after Wizer: renames its imports and
// exports to the canonical names of the app's WASI version, and replaces the
// imports it must not keep (the Wizer-time config reader, host functions the
// Plan does not grant) with trapping functions. wasm-tools prints the module
// with one instruction per line and numeric indices, so renumbering function
// references is a line-level rewrite; wasm-tools then parses and validates it.
import { parseWat, printWasm } from '../jco/jco.js';

/** What to change in a core module. */
export interface CoreModuleEdit {
  /**
   * Function imports (by `module`, `name`) to replace with a body that traps:
   * returns the trapping function's name, which a trap's stack trace shows,
   * or undefined to keep the import.
   */
  readonly stubImport: (module: string, name: string) => string | undefined;
  /** New import module names, by old module name; unlisted modules keep theirs. */
  readonly importModules: ReadonlyMap<string, string>;
  /** An export's new name; null to remove the export; undefined to keep it as it is. */
  readonly exportName: (name: string) => string | null | undefined;
}

const IMPORT_LINE = /^\s*\(import "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" \(func \(;(\d+);\) \(type (\d+)\)\)\)$/;
const FUNC_REF = /^(\s*(?:call|return_call|ref\.func) )(\d+)$/;
const EXPORT_LINE = /^(\s*\(export )"((?:[^"\\]|\\.)*)"( \((func|memory|global|table) )(\d+)(\)\))$/;
const START_LINE = /^(\s*\(start )(\d+)(\))$/;

function quote(text: string): string {
  return JSON.stringify(text);
}

/** Applies `edit` to a core module and returns the new module. */
export async function editCoreModule(module: Uint8Array, edit: CoreModuleEdit): Promise<Uint8Array> {
  const lines = (await printWasm(module)).split('\n');
  if (lines.some((line) => /^\s*\(elem /.test(line))) {
    throw new Error('assertion failed: virt adapters must not use element segments (function tables)');
  }
  const imports = lines.map((line) => IMPORT_LINE.exec(line)).filter((m): m is RegExpExecArray => m !== null);
  const definedStart = imports.length;
  const definedCount = lines.filter((line) => /^\s*\(func \(;\d+;\)/.test(line)).length;
  const unquote = (text: string): string => JSON.parse(`"${text}"`) as string;
  const trapName = (m: RegExpExecArray): string | undefined => edit.stubImport(unquote(m[1]), unquote(m[2]));
  const stubbed = imports.filter((m) => trapName(m) !== undefined);
  const newIndex = new Map<number, number>();
  let kept = 0;
  for (const m of imports) if (!stubbed.includes(m)) newIndex.set(Number(m[3]), kept++);
  for (let i = 0; i < definedCount; i++) newIndex.set(definedStart + i, kept + i);
  stubbed.forEach((m, i) => newIndex.set(Number(m[3]), kept + definedCount + i));
  const remap = (index: string): number => {
    const mapped = newIndex.get(Number(index));
    if (mapped === undefined) throw new Error(`assertion failed: unknown function index ${index}`);
    return mapped;
  };

  const out: string[] = [];
  for (const line of lines) {
    const imp = IMPORT_LINE.exec(line);
    if (imp) {
      if (trapName(imp) !== undefined) continue;
      const module = edit.importModules.get(unquote(imp[1])) ?? unquote(imp[1]);
      out.push(`  (import ${quote(module)} "${imp[2]}" (func (type ${imp[4]})))`);
      continue;
    }
    const exp = EXPORT_LINE.exec(line);
    if (exp) {
      const name = unquote(exp[2]);
      const renamed = edit.exportName(name);
      if (renamed === null) continue;
      const index = exp[4] === 'func' ? remap(exp[5]) : Number(exp[5]);
      out.push(`${exp[1]}${quote(renamed ?? name)}${exp[3]}${index}${exp[6]}`);
      continue;
    }
    const ref = FUNC_REF.exec(line) ?? START_LINE.exec(line);
    if (ref) {
      out.push(`${ref[1]}${remap(ref[2])}${ref[3] ?? ''}`);
      continue;
    }
    if (line === ')' && out.length > 0) {
      for (const m of stubbed) out.push(`  (func $${trapName(m)} (type ${m[4]}) unreachable)`);
    }
    out.push(line);
  }
  return parseWat(out.join('\n'));
}
