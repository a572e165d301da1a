// manifest → plan → units → composition → audit: the whole of `virt build`.
import { readComponent, type ComponentInfo } from './binary/component-reader.js';
import { ComponentReadError } from './binary/errors.js';
import { wasmFeatures, type WasmFeature } from './binary/wasm-features.js';
import { audit, embedAudit, type AuditReport } from './audit/audit.js';
import { compose } from './compose/compose.js';
import { InAppUnsupported, serveInApp, type InAppResult } from './compose/in-app.js';
import { CompositionError } from './compose/errors.js';
import { prepareApp, type PreparedApp } from './inspect/prepare-app.js';
import { componentWit } from './jco/jco.js';
import { diskUnitCache, type UnitCache } from './units/unit-cache.js';
import { fillSegments } from './binary/data-segments.js';
import { ManifestError } from './policies/diagnostics.js';
import { loadPlanFiles, type ManifestFiles } from './policies/load-files.js';
import { readManifest } from './policies/manifest.js';
import type { Plan } from './policies/plan.js';
import { formatRefusals, planForApp, planUnits } from './units/plan-units.js';
import { VIRTUALIZERS } from './virtualizers.js';
import type { AppImport, BuiltUnit } from './units/unit.js';
import { buildInAppModules, keepsState, type InAppPart } from './units/in-app-unit.js';
import type { PlannedUnit } from './units/plan-units.js';
import type { WasiWit } from './wit/wasi-wit.js';
import { formatInterfaceName, interfaceId, parseInterfaceName } from './wit/names.js';
import { loadWasiWit } from './wit/wasi-wit.js';

/** The inputs of a build. */
export interface BuildInput {
  /** The manifest's YAML source, and its file name for messages. */
  readonly manifest: { readonly source: string; readonly file: string };
  /** The app: a component, or a WASI preview-1 core module. */
  readonly app: Uint8Array;
  /** Called with a line of progress at each step. */
  readonly onProgress?: (message: string) => void;
  /**
   * `virt` puts virt's io group in front of every io-typed interface even when
   * the Plan needs it; it forwards to the host, so by itself it changes
   * nothing the app sees. (Nothing turns it off where the Plan needs it.)
   */
  readonly io?: 'virt';
  /** Reads the files the manifest names (`stdio.stdin.file`, `embed`): `nodeFiles(manifestDir)` on Node. */
  readonly files?: ManifestFiles;
  /**
   * `false` serves every virtualized import with units composed in front of the app, none inside it: the same
   * answers, for comparing the two or where an app's shape makes the in-app rewrite doubtful. Default: true.
   */
  readonly inApp?: boolean;
  /** A folder where built units are kept between builds, by a hash of all they are made from. Default: none. */
  readonly unitCacheDir?: string;
}

/** What a build produced. */
export interface BuildResult {
  /** The sandboxed component. */
  readonly component: Uint8Array;
  readonly plan: Plan;
  readonly audit: AuditReport;
  /** Things the user should know, such as an automatic preview-1 wrap. */
  readonly notes: readonly string[];
  /** The Wasm proposals beyond the core spec that the output uses (exceptions, multi-memory, ...). */
  readonly features: readonly WasmFeature[];
  /** Sizes of the units, by name, in bytes. */
  readonly unitSizes: ReadonlyMap<string, number>;
}

/** The output's imports include something the Plan forbids. */
export class AuditError extends Error {
  constructor(readonly report: AuditReport) {
    super(`refusing to write the output: it would import ${report.violations.map((v) => `\`${v}\``).join(', ')} from the host, which the manifest forbids`);
    this.name = 'AuditError';
  }
}

/** Why `env.cwd` cannot reach a preview-1 app behind jco's adapter, whose libc starts in `/` without asking the host. */
export const PREVIEW1_CWD_NOTE = '`env.cwd` does not reach this app: it is a WASI preview-1 program (through jco\'s preview-1 adapter), '
  + 'whose libc starts in `/` without asking the host, so its relative paths resolve from `/`';

/**
 * Why `env.cwd` cannot reach a preview-1 app behind virt's layer: wasi-libc
 * keeps a working directory only where the program links `chdir`, and
 * without one it resolves every path from `/` before the layer sees it.
 */
export const NO_LIBC_CWD_NOTE = '`env.cwd` does not reach this app: it is a WASI preview-1 program whose libc keeps no working directory '
  + '(it does not link `chdir`), so it resolves every path, relative or not, from `/`';

/** Reads a manifest into a Plan, or throws a ManifestError with every problem. */
export function planFromManifest(source: string, file: string): Plan {
  const { plan, diagnostics } = readManifest(source);
  if (!plan) throw new ManifestError(file, source, diagnostics);
  return plan;
}

/** Builds the sandboxed component. */
export async function build(input: BuildInput): Promise<BuildResult> {
  const progress = input.onProgress ?? (() => {});
  const read = planFromManifest(input.manifest.source, input.manifest.file);
  const plan = { ...(await loadPlanFiles(read, input.files, input.manifest, progress)), ...(input.io ? { io: input.io } : {}) };
  const prepared = await prepareApp(input.app, plan.preview1);
  try {
    const options = { ioAsked: input.io === 'virt', inApp: input.inApp ?? true };
    return await buildPrepared(plan, prepared, progress, input.unitCacheDir ? diskUnitCache(input.unitCacheDir) : undefined, options);
  } catch (error) {
    // An app that is not valid Wasm can fail anywhere, even in an assertion: say so, rather than what broke.
    throw (await invalidComponent(prepared.component)) ?? error;
  }
}

// Why the component is not valid, as the error to throw; undefined when it is valid.
async function invalidComponent(component: Uint8Array): Promise<ComponentReadError | undefined> {
  try {
    await componentWit(component);
    return undefined;
  } catch (cause) {
    // wasmparser names the offset of what is wrong; anything else is no verdict on the bytes.
    const detail = (cause as Error).message.split('\n').filter(Boolean).pop() ?? '';
    const offset = /^(.*) \(at offset 0x([0-9a-f]+)\)$/.exec(detail);
    return offset ? new ComponentReadError(`the app is not a valid component: ${offset[1]}`, parseInt(offset[2], 16), { cause }) : undefined;
  }
}

async function buildPrepared(
  manifestPlan: Plan, prepared: PreparedApp, progress: (message: string) => void, cache: UnitCache | undefined,
  options: { readonly ioAsked: boolean; readonly inApp: boolean },
): Promise<BuildResult> {
  const notes = prepared.note ? [prepared.note] : [];
  if (prepared.cwd !== 'served' && manifestPlan.env.cwd.mode !== 'none') notes.push(prepared.cwd === 'adapter' ? PREVIEW1_CWD_NOTE : NO_LIBC_CWD_NOTE);
  const info = readComponent(prepared.component);
  const plan = planForApp(manifestPlan, info.imports, options.ioAsked);

  const { units: planned, refusals } = planUnits(plan, info.imports, VIRTUALIZERS);
  if (refusals.length) {
    throw new CompositionError(`refusing to build: ${formatRefusals(refusals)}`, refusals[0].interface);
  }
  const wit = await loadWasiWit();
  const inApp = options.inApp ? await serveWhatCanInApp(plan, prepared, info, planned, wit, progress, cache) : nothingInApp(prepared.component);
  const units: BuiltUnit[] = [];
  for (const { virtualizer, imports, all } of planned.filter((p) => !inApp.planned.includes(p))) {
    const names = imports.map((i) => `\`${formatInterfaceName(i.name)}\``).join(', ');
    let made = false;
    const make = async (): Promise<BuiltUnit[]> => {
      made = true;
      progress(`building the ${virtualizer.name} unit for ${names}`);
      const before = await virtualizer.before?.(plan, all, wit);
      return [...(before ? [before] : []), await virtualizer.build(plan, imports, all, wit)];
    };
    try {
      units.push(...(cache ? await cache.units([virtualizer.name, plan, imports, all], make) : await make()));
      if (!made) progress(`reusing the ${virtualizer.name} unit for ${names} from the cache`);
    } catch (cause) {
      // jco rejects a unit world that the app's imports cannot make whole (an interface it uses renamed away).
      if (!(cause instanceof Error) || cause instanceof CompositionError || cause.message.startsWith('assertion failed')) throw cause;
      throw new CompositionError(`cannot build the ${virtualizer.name} unit for ${names}: ${cause.message}`, virtualizer.name, { cause });
    }
  }

  if (units.length) progress(`composing ${units.length} unit(s) in front of the app`);
  const composed = await compose(inApp.component, readComponent(inApp.component), units, cache);
  const report = audit(plan, info.imports, readComponent(composed).imports, new Set([...units.flatMap((u) => u.exports), ...inApp.served]));
  if (report.violations.length > 0) throw new AuditError(report);
  const features = wasmFeatures(composed);
  if (features.length) notes.push(`the output uses Wasm proposals beyond the core spec, which its host must have: ${features.join(', ')}`);
  // The embedded files go in last: composing and validating never copy them.
  const output = fillSegments(embedAudit(composed, report), units.flatMap((u) => u.segments ?? []));
  // A unit's size counts its segments' bytes in place of their placeholders.
  const dataBytes = (u: BuiltUnit) => (u.segments ?? []).reduce((n, fill) => fill.chunks.reduce((m, c) => m + c.length, n - fill.placeholder.length), 0);
  return { component: output, plan: manifestPlan, audit: report, notes, features, unitSizes: new Map([...inApp.unitSizes, ...units.map((u) => [u.name, u.component.length + dataBytes(u)] as const)]) };
}

/** The app with what virt serves inside it, and the planned units that this leaves out. */
interface ServedInApp {
  readonly component: Uint8Array;
  readonly planned: readonly PlannedUnit[];
  readonly served: readonly string[];
  /** The size of what each virtualizer adds to the app, by its name. */
  readonly unitSizes: ReadonlyMap<string, number>;
}

function nothingInApp(component: Uint8Array): ServedInApp {
  return { component, planned: [], served: [], unitSizes: new Map() };
}

// Serves inside the app what the virtualizers can serve there, when the app's shape allows it; units serve the rest.
async function serveWhatCanInApp(
  plan: Plan, prepared: PreparedApp, info: ComponentInfo, planned: readonly PlannedUnit[], wit: WasiWit,
  progress: (message: string) => void, cache?: UnitCache,
): Promise<ServedInApp> {
  const parts = planned.flatMap((p) => {
    const part = p.virtualizer.inApp?.(plan, p.imports);
    // An adapter's import realloc (jco's preview-1 adapter) follows the lowered import's allocations.
    return part && (part.reallocs !== 'any' || prepared.cwd !== 'adapter') ? [{ planned: p, part }] : [];
  });
  if (parts.length === 0) return nothingInApp(prepared.component);
  // All of them; else those that keep no state, which may be instantiated once per realloc the app's lowers name.
  const stateless = parts.filter(({ part }) => !keepsState(part));
  const attempts = stateless.length > 0 && stateless.length < parts.length ? [parts, stateless] : [parts];
  for (const attempt of attempts) {
    const names = attempt.flatMap(({ part }) => part.imports).map((i) => `\`${formatInterfaceName(i.name)}\``).join(', ');
    try {
      return await serveParts(plan, prepared.component, info, attempt, wit, progress, cache);
    } catch (cause) {
      if (!(cause instanceof InAppUnsupported)) throw cause;
      progress(`serving ${names} with units instead: ${cause.message}`);
    }
  }
  return nothingInApp(prepared.component);
}

// The app with `parts` served inside it; throws InAppUnsupported where its shape does not allow it.
async function serveParts(
  plan: Plan, app: Uint8Array, info: ComponentInfo, parts: ReadonlyArray<{ planned: PlannedUnit; part: InAppPart }>, wit: WasiWit,
  progress: (message: string) => void, cache?: UnitCache,
): Promise<ServedInApp> {
  const imports = parts.flatMap(({ part }) => part.imports);
  const namesOf = (list: readonly AppImport[]) => list.map((i) => `\`${formatInterfaceName(i.name)}\``).join(', ');
  let made = false;
  const make = async (): Promise<BuiltUnit[]> => {
    made = true;
    for (const { planned: p, part } of parts) progress(`building the ${p.virtualizer.name} unit for ${namesOf(part.imports)}, inside the app`);
    const others = [...new Map(parts.flatMap(({ planned: p }) => [...p.all.values()]).map((a) => [formatInterfaceName(a.name), a])).values()];
    const { modules, sizes } = await buildInAppModules(parts.map(({ part }) => part), others, wit);
    // Kept as unit entries: each module's bytes and its exports as `import#function` → export name; each part's size.
    return modules.map(({ module, serves }) => ({
      name: 'in-app',
      component: module,
      core: new Uint8Array(0),
      imports: new Map([...serves].flatMap(([name, funcs]) => [...funcs].map(([func, core]) => [`${name}#${func}`, core] as [string, string]))),
      exports: sizes.map(String),
    }));
  };
  const inputs = ['in-app', plan, parts.map(({ planned: p }) => [p.virtualizer.name, p.imports, p.all])];
  const entries = cache ? await cache.units(inputs, make) : await make();
  if (!made) for (const { planned: p, part } of parts) progress(`reusing the ${p.virtualizer.name} unit for ${namesOf(part.imports)} from the cache`);
  const modules = entries.map(({ component: module, imports: exportNames }) => {
    const serves = new Map<string, Map<string, string>>();
    for (const [key, core] of exportNames) {
      const [name, func] = [key.slice(0, key.lastIndexOf('#')), key.slice(key.lastIndexOf('#') + 1)];
      serves.set(name, (serves.get(name) ?? new Map()).set(func, core));
    }
    return { module, serves };
  });
  const names = new Set(imports.map((i) => formatInterfaceName(i.name)));
  // One module where it can be placed, else the pair.
  let result: InAppResult;
  try {
    result = serveInApp(app, info, modules.slice(0, 1), names);
  } catch (cause) {
    if (!(cause instanceof InAppUnsupported) || modules.length === 1) throw cause;
    result = serveInApp(app, info, modules.slice(1), names);
  }
  // An import that the Plan keeps from the host and that is still there: the app's shape kept it.
  const kept = readComponent(result.component).imports.find((entry) => parts.some(({ planned: p, part }) => part.imports.some((i) => formatInterfaceName(i.name) === entry.name)
    && p.virtualizer.hostForbidden(plan, interfaceId(parseInterfaceName(entry.name)!))));
  if (kept) throw new InAppUnsupported(`the app still imports \`${kept.name}\` after the rewrite`);
  const unitSizes = new Map(parts.map(({ planned: p }, k) => [p.virtualizer.name, Number(entries[0].exports[k])]));
  return { component: result.component, planned: parts.map(({ planned: p }) => p), served: [...names], unitSizes };
}
