// What the output takes from the host, checked against the Plan.
import { ByteReader } from '../binary/byte-reader.js';
import { ByteWriter } from '../binary/byte-writer.js';
import { SECTION } from '../binary/component-format.js';
import { readComponent, type ComponentInfo, type ImportEntry } from '../binary/component-reader.js';
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

/** Audits an output against the Plan: the app's imports, the output's, and which names units provide. */
export function audit(plan: Plan, appImports: readonly ImportEntry[], outputImports: readonly ImportEntry[], virtualized: ReadonlySet<string>): AuditReport {
  const lines: AuditLine[] = [];
  const fromHost = new Set(outputImports.map((i) => i.name));
  for (const entry of appImports) {
    const id = idOf(entry.name);
    const virtualizer = virtualizerFor(plan, id);
    if (virtualized.has(entry.name) && virtualizer) {
      const passes = fromHost.has(entry.name) ? ' (calls the host for what the manifest passes through)' : '';
      const hostPreopens = id === FS_PREOPENS_ID && plan.filesystem.mode === 'virtual'
        ? plan.filesystem.mounts.flatMap((m) => (m.source.kind === 'host' ? [m.source.path] : []))
        : [];
      lines.push({
        interface: entry.name, status: 'virtualized', detail: virtualizer.describe(plan, id) + passes,
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
      lines.push({ interface: id, status: 'absent', detail: `the app does not import it; policy: ${virtualizer.describe(plan, id)}` });
    }
  }
  // Any virtualizer that could serve an interface may forbid the host it.
  const violations = outputImports.map((i) => i.name).filter((name) => {
    const id = idOf(name);
    return VIRTUALIZERS.some((v) => v.ids.includes(id) && v.hostForbidden(plan, id));
  });
  return { lines, violations };
}

/** The audit as text, a line per interface. */
export function formatAudit(report: AuditReport): string {
  const width = Math.max(...report.lines.map((l) => l.interface.length));
  return report.lines.map((l) => `${l.interface.padEnd(width)}  ${l.status.padEnd(11)}  ${l.detail}`).join('\n');
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
