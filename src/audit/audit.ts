// What the output takes from the host, checked against the Plan.
import { ByteReader } from '../binary/byte-reader.js';
import { ByteWriter } from '../binary/byte-writer.js';
import { SECTION } from '../binary/component-format.js';
import { readComponent, type ComponentInfo, type ImportEntry } from '../binary/component-reader.js';
import { capabilityOf, modeOf } from '../policies/capabilities.js';
import type { Plan } from '../policies/plan.js';
import { VIRTUALIZERS, virtualizerFor, virtualizerOf } from '../virtualizers.js';
import { IO_GROUP_IDS } from '../virtual-fs/io-group-unit.js';
import { FS_PREOPENS_ID } from '../virtual-fs/vfs-unit.js';
import { interfaceId, parseInterfaceName } from '../wit/names.js';

/** How the output provides one interface; `refused` only where a build would refuse it (`virt inspect --manifest`). */
export type AuditStatus = 'virtualized' | 'host' | 'absent' | 'refused';

/** One line of the audit: an interface and how the output provides it. */
export interface AuditLine {
  /** The interface, as the app names it (with its version), or the unversioned id when absent. */
  readonly interface: string;
  readonly status: AuditStatus;
  readonly detail: string;
  /** On a virtualized interface: the Plan denies its capability (the unit answers with errors, traps or nothing). */
  readonly denied?: boolean;
  /** On a virtualized interface: the unit still calls the host for what the manifest passes through. */
  readonly callsHost?: boolean;
  /** On a virtualized interface whose policy is the host's: a unit (the io group) forwards it to the host as it is. */
  readonly forwarded?: boolean;
  /** On `wasi:filesystem/preopens`: the host preopens that the manifest's host mounts name. */
  readonly hostPreopens?: readonly string[];
}

/** The audit of one build. */
export interface AuditReport {
  readonly lines: readonly AuditLine[];
  /** Output imports that the Plan forbids; a build with any is refused. */
  readonly violations: readonly string[];
}

function idOf(name: string): string {
  const parsed = parseInterfaceName(name);
  return parsed ? interfaceId(parsed) : name;
}

/**
 * Audits an output against the Plan: the app's imports, the output's, and
 * which names units provide. Without the output's imports (a plan, before any
 * build), a unit is taken to forward to the host what the Plan leaves to it.
 */
export function audit(plan: Plan, appImports: readonly ImportEntry[], outputImports: readonly ImportEntry[] | undefined, virtualized: ReadonlySet<string>): AuditReport {
  const lines: AuditLine[] = [];
  const fromHost = new Set(outputImports?.map((i) => i.name));
  for (const entry of appImports) {
    const id = idOf(entry.name);
    const virtualizer = virtualizerFor(plan, id);
    if (virtualized.has(entry.name) && virtualizer) {
      const hostPreopens = id === FS_PREOPENS_ID && plan.filesystem.mode === 'virtual'
        ? plan.filesystem.mounts.flatMap((m) => (m.source.kind === 'host' ? [m.source.path] : []))
        : [];
      const capability = parseInterfaceName(entry.name) && capabilityOf(parseInterfaceName(entry.name)!);
      const mode = capability ? modeOf(plan, capability) : 'host';
      const callsHost = outputImports ? fromHost.has(entry.name) : !virtualizer.hostForbidden(plan, id);
      lines.push({
        interface: entry.name, status: 'virtualized', detail: virtualizer.describe(plan, id),
        ...(mode === 'deny' ? { denied: true } : {}),
        ...(callsHost ? (mode === 'host' ? { forwarded: true } : { callsHost: true }) : {}),
        ...(hostPreopens.length ? { hostPreopens } : {}),
      });
    } else {
      const known = parseInterfaceName(entry.name)?.namespace === 'wasi';
      lines.push({ interface: entry.name, status: 'host', detail: known ? 'passed to the host' : 'passed to the host (an interface virt does not know)' });
    }
  }
  const imported = new Set(appImports.map((i) => idOf(i.name)));
  // Absent capabilities are worth a line; the io group's plumbing is not.
  for (const virtualizer of VIRTUALIZERS) {
    for (const id of virtualizer.ids) {
      if (imported.has(id) || virtualizerOf(id) !== virtualizer || (IO_GROUP_IDS as readonly string[]).includes(id)) continue;
      lines.push({ interface: id, status: 'absent', detail: `policy: ${virtualizer.describe(plan, id)}` });
    }
  }
  // Any virtualizer that could serve an interface may forbid the host it.
  const violations = (outputImports ?? []).map((i) => i.name).filter((name) => {
    const id = idOf(name);
    return VIRTUALIZERS.some((v) => v.ids.includes(id) && v.hostForbidden(plan, id));
  });
  return { lines, violations };
}

/** How {@link formatAudit} writes the audit. */
export interface AuditFormat {
  /** Also list the capabilities the app does not import. */
  readonly verbose?: boolean;
}

const GROUPS: ReadonlyArray<[string, (l: AuditLine) => boolean]> = [
  ['virtualized', (l) => l.status === 'virtualized' && !l.denied && !l.forwarded],
  ['denied', (l) => l.status === 'virtualized' && l.denied === true],
  ['passed to the host', (l) => l.status === 'host' || l.forwarded === true],
  ['refused', (l) => l.status === 'refused'],
  ['absent (the app does not import them)', (l) => l.status === 'absent'],
];

// What the output takes from its host, in a line: capabilities (in part, where a unit passes some through),
// then the packages whose types alone it takes, then interfaces virt does not know.
function hostSummary(lines: readonly AuditLine[]): string {
  const capabilities = new Map<string, boolean>();
  const types = new Set<string>();
  const unknown = new Set<string>();
  for (const line of lines) {
    if (line.status !== 'host' && !line.callsHost && !line.forwarded) continue;
    const name = parseInterfaceName(line.interface);
    const capability = name && capabilityOf(name);
    if (capability) capabilities.set(capability, (capabilities.get(capability) ?? false) || !line.callsHost);
    else if (capability === null) types.add(`${name!.namespace}:${name!.package}`);
    else unknown.add(line.interface);
  }
  const parts = [
    ...[...capabilities].map(([c, whole]) => (whole ? c : `${c} (in part)`)),
    ...(types.size ? [`the types of ${[...types].join(', ')}`] : []),
    ...unknown,
  ];
  return parts.length ? `the output takes from its host: ${parts.join(', ')}` : 'the output takes nothing from its host';
}

/** The audit as text: the app's imports grouped by what the output does with them, then a one-line summary. */
export function formatAudit(report: AuditReport, format: AuditFormat = {}): string {
  const lines = report.lines.filter((l) => format.verbose || l.status !== 'absent');
  const width = Math.max(0, ...lines.map((l) => l.interface.length));
  const out: string[] = [];
  for (const [title, member] of GROUPS) {
    const group = lines.filter(member);
    if (group.length === 0) continue;
    out.push(`${title} (${group.length}):`);
    for (const l of group) {
      const detail = l.status === 'host' ? (l.detail === 'passed to the host' ? '' : l.detail.replace('passed to the host ', '')) : l.detail;
      const calls = l.callsHost ? ' (calls the host for what the manifest passes through)' : '';
      out.push(`  ${l.interface.padEnd(width)}  ${detail}${calls}`.trimEnd());
    }
  }
  out.push(hostSummary(report.lines));
  return out.join('\n');
}

/** The name of the custom section in which an output carries its audit. */
export const AUDIT_SECTION = 'virt-audit';

/**
 * The component with what it virtualizes appended as a custom section, so that
 * `virt inspect` can show it later (what it takes from the host, it reads from
 * the imports themselves).
 */
export function embedAudit(component: Uint8Array, report: AuditReport): Uint8Array {
  const virtualized = report.lines.filter((l) => l.status === 'virtualized');
  const contents = new ByteWriter().name(AUDIT_SECTION).raw(new TextEncoder().encode(JSON.stringify(virtualized))).finish();
  return new ByteWriter().raw(component).section(SECTION.custom, contents).finish();
}

/** The host preopens a built component's host mounts name (from its embedded audit): hosts should grant them. */
export function expectedHostPreopens(component: Uint8Array): string[] {
  return (embeddedAudit(component, readComponent(component)) ?? []).flatMap((line) => line.hostPreopens ?? []);
}

/** The audit a build embedded in `component`, if any. */
export function embeddedAudit(component: Uint8Array, info: ComponentInfo): AuditLine[] | undefined {
  for (const section of info.sections) {
    if (section.id !== SECTION.custom) continue;
    const r = new ByteReader(component, section.contentStart, section.end);
    if (r.name() === AUDIT_SECTION) return JSON.parse(new TextDecoder().decode(component.subarray(r.offset, section.end))) as AuditLine[];
  }
  return undefined;
}
