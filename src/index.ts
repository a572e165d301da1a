// The library API: bytes in, bytes and reports out. The CLI is a thin layer over these.
export { build, planFromManifest, AuditError, type BuildInput, type BuildResult } from './build.js';
export { inspect, inspectPolicy, type Inspection } from './inspect/inspect.js';
export { starterManifest, type StarterOptions } from './inspect/starter-manifest.js';
export { run, load, hostImports, type RunOptions, type RunResult, type LoadedComponent } from './run/run.js';
export { defaultCacheDir } from './run/transpile-cache.js';
export { formatAudit, type AuditLine, type AuditReport, type AuditStatus } from './audit/audit.js';
export { ManifestError, formatDiagnostic, type Diagnostic } from './policies/diagnostics.js';
export { decodeManifest, readManifest, type ManifestResult } from './policies/manifest.js';
export { nodeFiles, type ManifestFiles, type FileInfo } from './policies/load-files.js';
export type { Plan, EnvPlan, HostEnvPolicy, ArgsPolicy, CwdPolicy, FilesystemPlan, Mount, MountSource, TreeEntry } from './policies/plan.js';
export { ComponentReadError } from './binary/errors.js';
export { CompositionError } from './compose/errors.js';
export { buildUnit, type BuiltUnit, type UnitSpec } from './units/unit.js';
export { VIRTUALIZERS, virtualizerOf } from './virtualizers.js';
export type { Virtualizer } from './units/virtualizer.js';
export { loadWasiWit } from './wit/wasi-wit.js';
export { parseInterfaceName, formatInterfaceName, type InterfaceName } from './wit/names.js';
export { readComponent, type ComponentInfo } from './binary/component-reader.js';
