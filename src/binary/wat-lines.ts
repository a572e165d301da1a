// The lines of a core module as wasm-tools prints it: one instruction per
// line, numeric indices. Editing a module is then a line-level rewrite, which
// wasm-tools parses and validates again.

/** A function import: module, name, function index, type index. */
export const IMPORT_LINE = /^\s*\(import "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" \(func \(;(\d+);\) \(type (\d+)\)\)\)$/;
/** An instruction that names a function by index. */
export const FUNC_REF = /^(\s*(?:call|return_call|ref\.func) )(\d+)$/;
/** An export: its name, sort and index. */
export const EXPORT_LINE = /^(\s*\(export )"((?:[^"\\]|\\.)*)"( \((func|memory|global|table) )(\d+)(\)\))$/;
/** The start function. */
export const START_LINE = /^(\s*\(start )(\d+)(\))$/;
