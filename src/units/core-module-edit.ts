// Edits a unit's core module: renames imports and exports to the canonical
// names of the app's WASI version, replaces the imports it must not keep (the
// Wizer-time config reader, host functions the Plan does not grant) with
// named trapping functions, and gives generated units their function bodies.
// A line-level rewrite of its printed text (binary/wat-lines.ts).
import { EXPORT_LINE, FUNC_REF, IMPORT_LINE, START_LINE } from '../binary/wat-lines.js';
import { parseWat, printWasm } from '../jco/jco.js';

/** What to change in a core module. */
export interface CoreModuleEdit {
  /**
   * Function imports (by `module`, `name`) to replace with a body that traps:
   * returns the trapping function's name, which a trap's stack trace shows,
   * or undefined to keep the import.
   */
  readonly stubImport: (module: string, name: string) => string | undefined;
  /** Instructions for a stubbed import to run instead of trapping (its parameters are locals 0, 1, ...). */
  readonly stubBody?: (module: string, name: string) => readonly string[] | undefined;
  /** New import module names, by old module name; unlisted modules keep theirs. */
  readonly importModules: ReadonlyMap<string, string>;
  /** An export's new name; null to remove the export; undefined to keep it as it is. */
  readonly exportName: (name: string) => string | null | undefined;
  /**
   * A new body for the function behind an export (by its old name): WAT
   * instructions, in which `call N` uses the module's original indices, and
   * an optional function name that a trap's stack trace shows.
   */
  readonly body?: (exportName: string) => FunctionBody | undefined;
  /** The least number of pages of memory 0 (a generated body may need a return area). */
  readonly minMemoryPages?: number;
  /** Whole functions in WAT to add, called by their `$name`. */
  readonly helpers?: readonly string[];
}

/** A replacement function body. */
export interface FunctionBody {
  readonly name?: string;
  /** Types of locals beyond the parameters, numbered after them. */
  readonly locals?: readonly string[];
  readonly instructions: readonly string[];
}

const FUNC_HEADER = /^  \(func \(;(\d+);\)(.*)$/;
const MEMORY_LINE = /^(  \(memory \(;0;\) )(\d+)(.*)$/;

function parenBalance(line: string): number {
  let depth = 0;
  for (const c of line.replace(/"(?:[^"\\]|\\.)*"/g, '')) depth += c === '(' ? 1 : c === ')' ? -1 : 0;
  return depth;
}


// A WAT identifier has no brackets or spaces: `[method]a.b` becomes `method-a.b`.
function watId(name: string): string {
  return name.replace(/\[([a-z-]+)\]/g, '$1-').replace(/[^A-Za-z0-9_.\-/:@]/g, '_');
}

function quote(text: string): string {
  return JSON.stringify(text);
}

/** Applies `edit` to a core module (or its text, as wasm-tools prints it, when the caller has it) and returns the new module. */
export async function editCoreModule(module: Uint8Array | { readonly text: string }, edit: CoreModuleEdit): Promise<Uint8Array> {
  const lines = ('text' in module ? module.text : await printWasm(module)).split('\n');
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

  const bodies = new Map<number, FunctionBody>();
  for (const line of lines) {
    const exp = EXPORT_LINE.exec(line);
    const body = exp && exp[4] === 'func' ? edit.body?.(unquote(exp[2])) : undefined;
    if (exp && body) bodies.set(Number(exp[5]), body);
  }
  const remapLine = (line: string): string => {
    const ref = FUNC_REF.exec(line);
    return ref ? `${ref[1]}${remap(ref[2])}` : line;
  };

  const out: string[] = [];
  let skippingBody = false;
  for (const line of lines) {
    if (skippingBody) {
      skippingBody = line !== '  )';
      continue;
    }
    const header = FUNC_HEADER.exec(line);
    const body = header ? bodies.get(Number(header[1])) : undefined;
    if (header && body) {
      const oneLine = parenBalance(line) === 0;
      const signature = oneLine ? header[2].slice(0, -1) : header[2];
      out.push(`  (func ${body.name ? `$${body.name} ` : ''}(;${header[1]};)${signature}`);
      if (body.locals?.length) out.push(`    (local ${body.locals.join(' ')})`);
      for (const instruction of body.instructions) out.push(`    ${remapLine(instruction)}`);
      out.push('  )');
      skippingBody = !oneLine;
      continue;
    }
    const memory = MEMORY_LINE.exec(line);
    if (memory && edit.minMemoryPages !== undefined) {
      out.push(`${memory[1]}${Math.max(Number(memory[2]), edit.minMemoryPages)}${memory[3]}`);
      continue;
    }
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
      for (const m of stubbed) {
        const body = edit.stubBody?.(unquote(m[1]), unquote(m[2])) ?? ['unreachable'];
        out.push(`  (func $${watId(trapName(m)!)} (type ${m[4]}) ${body.join(' ')})`);
      }
      // A helper written one instruction per line may call functions by index, as bodies do.
      for (const helper of edit.helpers ?? []) out.push(helper.split('\n').map(remapLine).join('\n'));
    }
    out.push(line);
  }
  return parseWat(out.join('\n'));
}
