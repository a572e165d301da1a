// manifest source → { plan, diagnostics }. YAML is read with node ranges, the
// schema is checked with ajv, and every problem is collected before returning.
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { isMap, isNode, isPair, isScalar, parseDocument, visit, type Document, type Node } from 'yaml';
import { ManifestError, type Diagnostic } from './diagnostics.js';
import { resolvePlan } from './resolve-plan.js';
import type { Plan } from './plan.js';

const require = createRequire(import.meta.url);
const schema = require('../../schemas/virt.schema.json') as object;

/** The result of reading a manifest: a Plan, or the diagnostics that stop one. */
export type ManifestResult =
  | { readonly plan: Plan; readonly diagnostics: readonly [] }
  | { readonly plan?: undefined; readonly diagnostics: readonly Diagnostic[] };

/**
 * The schema's Ajv, with the options virt checks manifests with; `npm run
 * build` compiles the schema with it to standalone code
 * (scripts/build-manifest-validator.js), which saves compiling it at run time.
 */
export function manifestAjv(options: { readonly code?: { readonly source: boolean } } = {}): { ajv: Ajv; schema: object } {
  // Required here, not imported: a build checks manifests with the precompiled validator, without ajv's 45 ms load.
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  const ajv = new AjvClass({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, ...options });
  ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
  return { ajv, schema };
}

/** Where the standalone validator is written, beside this module. */
export const PRECOMPILED_VALIDATOR = './manifest-validator.cjs';

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!validator) {
    try {
      validator = require(PRECOMPILED_VALIDATOR) as ValidateFunction;
    } catch {
      const { ajv } = manifestAjv();
      validator = ajv.compile(schema);
    }
  }
  return validator;
}

/** One step of a key path. */
export type Segment = string | number;

function pathText(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function rangeOf(doc: Document, path: readonly Segment[], key = false): [number, number] {
  const parentPath = key ? path.slice(0, -1) : path;
  const node = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  if (key && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path[path.length - 1]);
    if (pair && isNode(pair.key) && pair.key.range) return [pair.key.range[0], pair.key.range[1]];
  }
  if (isNode(node) && (node as Node).range) {
    const [start, end] = (node as Node).range!;
    return [start, end];
  }
  return [0, 1];
}

function segments(instancePath: string): Segment[] {
  if (!instancePath) return [];
  return instancePath.slice(1).split('/').map((s) => {
    const text = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(text) ? Number(text) : text;
  });
}

function schemaDiagnostics(doc: Document, errors: readonly ErrorObject[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A oneOf stands for the errors of its branches, unless one of them has a
  // message of its own (a bad glob inside `allow`, say): then that one speaks.
  const hasMessage = (e: ErrorObject): boolean => typeof e.parentSchema?.['x-message'] === 'string';
  const below = (e: ErrorObject, o: ErrorObject): boolean => e.instancePath.startsWith(`${o.instancePath}/`);
  const shown = new Set(errors);
  for (const o of errors.filter((e) => e.keyword === 'oneOf')) {
    const inside = errors.filter((e) => e !== o && (e.instancePath === o.instancePath || below(e, o)));
    const specific = inside.filter((e) => below(e, o) && hasMessage(e));
    for (const e of inside) if (!specific.includes(e)) shown.delete(e);
    if (specific.length > 0) shown.delete(o);
  }
  for (const e of errors) {
    if (!shown.has(e)) continue;
    const path = segments(e.instancePath);
    const custom = e.parentSchema?.['x-message'];
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      out.push({
        code: 'unknown-key',
        message: `unknown key \`${key}\`${allowed.length ? `; expected one of ${allowed.map((k) => `\`${k}\``).join(', ')}` : ''}`,
        path: pathText([...path, key]),
        range: rangeOf(doc, [...path, key], true),
      });
    } else if (e.keyword === 'propertyNames' || e.keyword === 'if') {
      continue; // reported by the pattern error on the name itself, or by the branch that failed
    } else if (e.keyword === 'pattern' && e.propertyName !== undefined) {
      out.push({ code: 'bad-value', message: String(custom), path: pathText([...path, e.propertyName]), range: rangeOf(doc, [...path, e.propertyName], true) });
    } else if (e.keyword === 'required') {
      out.push({ code: 'missing-key', message: `missing key \`${String(e.params.missingProperty)}\``, path: pathText(path), range: rangeOf(doc, path) });
    } else {
      const code = e.keyword === 'type' ? 'wrong-type' : 'bad-value';
      const message = typeof custom === 'string' ? custom : `\`${pathText(path) || 'manifest'}\` ${e.message ?? 'is invalid'}`;
      out.push({ code, message, path: pathText(path), range: rangeOf(doc, path) });
    }
  }
  return out.sort((a, b) => a.range[0] - b.range[0]);
}

// yaml throws while resolving aliases: one with no anchor before it, or so many that they would expand without bound.
function aliasDiagnostic(doc: Document, error: unknown): Diagnostic {
  const message = (error as Error).message ?? String(error);
  const unresolved = /Unresolved alias.*: (.+)$/.exec(message)?.[1];
  let range: readonly [number, number] = [0, 0];
  visit(doc, {
    Alias(_, node) {
      if (unresolved !== undefined && node.source !== unresolved) return undefined;
      if (node.range) range = [node.range[0], node.range[1]];
      return visit.BREAK;
    },
  });
  const text = unresolved !== undefined
    ? `YAML alias \`*${unresolved}\` has no anchor \`&${unresolved}\` before it`
    : /Excessive alias count/.test(message)
      ? 'YAML aliases here would expand past what a manifest may hold (an alias bomb?): write the values out'
      : `YAML: ${message}`;
  return { code: 'yaml-syntax', message: text, path: '', range };
}

/** A manifest file's bytes as text: it must be UTF-8, since a replaced byte would change what a key or value says. */
export function decodeManifest(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder().decode(bytes);
    const at = text.indexOf('\uFFFD');
    throw new ManifestError(file, text, [{ code: 'yaml-syntax', message: 'the manifest is not UTF-8 text here: write it as UTF-8', path: '', range: [at, at + 1] }]);
  }
}

/** Reads a manifest's YAML source into a Plan, collecting every problem. */
export function readManifest(source: string): ManifestResult {
  const doc = parseDocument(source, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      diagnostics: doc.errors.map((e) => ({
        code: 'yaml-syntax',
        message: `YAML syntax: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
        path: '',
        range: [e.pos[0], e.pos[1]] as const,
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS() ?? {};
  } catch (error) {
    return { diagnostics: [aliasDiagnostic(doc, error)] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { diagnostics: [{ code: 'wrong-type', message: 'a manifest must be a mapping of sections (`version: 1`, `env: ...`)', path: '', range: rangeOf(doc, []) }] };
  }
  const validate = schemaValidator();
  const diagnostics = validate(value) ? [] : schemaDiagnostics(doc, validate.errors ?? []);
  if (diagnostics.length > 0) return { diagnostics };
  const plan = resolvePlan(value as ManifestValue, {
    report: (path, message) => diagnostics.push({ code: 'bad-value', message, path: pathText(path), range: rangeOf(doc, path) }),
    rangeOf: (path) => rangeOf(doc, path),
    sourceText: (path) => {
      const [start, end] = rangeOf(doc, path);
      return source.slice(start, end);
    },
  });
  return diagnostics.length > 0 ? { diagnostics: diagnostics.sort((a, b) => a.range[0] - b.range[0]) } : { plan, diagnostics: [] };
}

/** The shape of a manifest that passed the schema. */
export interface ManifestValue {
  readonly version: 1;
  readonly env?: {
    readonly vars?: Readonly<Record<string, string>>;
    readonly host?: 'none' | 'all' | { readonly allow: readonly string[] } | { readonly deny: readonly string[] };
    readonly args?: 'host' | readonly string[];
    readonly cwd?: string;
  };
  readonly deterministic?: boolean;
  readonly clocks?: { readonly wall?: ClockValue; readonly monotonic?: ClockValue };
  readonly random?: { readonly mode: 'host' | 'deny' | 'seeded'; readonly seed?: number | string };
  readonly exit?: 'allow' | 'deny';
  readonly preview1?: 'virt' | 'adapter';
  readonly sockets?: 'deny' | 'host' | { readonly allow: readonly string[]; readonly dns?: 'deny' | 'host' };
  readonly http?: 'deny' | 'host' | { readonly allow: readonly string[] };
  readonly stdio?: {
    readonly stdin?: 'host' | 'ignore' | 'deny' | { readonly text: string } | { readonly file: string };
    readonly stdout?: 'host' | 'ignore' | 'deny';
    readonly stderr?: 'host' | 'ignore' | 'deny';
    readonly terminal?: 'none' | 'host';
  };
  readonly filesystem?: 'host' | {
    readonly writable?: boolean;
    readonly memory_limit?: number | string;
    readonly mtime?: string;
    readonly mounts: Readonly<Record<string, MountValue>>;
  };
}

/** A mount as the manifest writes it. */
export type MountValue =
  | { readonly embed: string; readonly exclude?: readonly string[]; readonly follow?: boolean; readonly max_size?: number | string }
  | { readonly text: string }
  | { readonly base64: string }
  | { readonly symlink: string }
  | { readonly host: string; readonly write?: boolean }
  | { readonly memory: Record<string, never> };

/** A clock as the manifest writes it. */
export type ClockValue = 'host' | 'deny' | { readonly start?: string; readonly step?: string | number };
