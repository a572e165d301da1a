// What a component takes from its host and what it exports; for a virt
// output, also what virt virtualized (the audit the build embedded).
import { ByteReader } from '../binary/byte-reader.js';
import { readComponent } from '../binary/component-reader.js';
import { SECTION } from '../binary/component-format.js';
import { audit, type AuditLine } from '../audit/audit.js';
import type { Plan } from '../policies/plan.js';
import { prepareApp } from './prepare-app.js';

/** A component's imports and exports, with virt's audit when it has one. */
export interface Inspection {
  readonly imports: readonly string[];
  readonly exports: readonly string[];
  /** The audit embedded by `virt build`; undefined for components virt did not build. */
  readonly audit?: readonly AuditLine[];
}

/** The name of the custom section in which an output carries its audit. */
export const AUDIT_SECTION = 'virt-audit';

/** Inspects a component (or a preview-1 core module, as virt would wrap it). */
export async function inspect(bytes: Uint8Array): Promise<Inspection> {
  const { component } = await prepareApp(bytes);
  const info = readComponent(component);
  let embedded: AuditLine[] | undefined;
  for (const section of info.sections) {
    if (section.id !== SECTION.custom) continue;
    const r = new ByteReader(component, section.contentStart, section.end);
    if (r.name() !== AUDIT_SECTION) continue;
    embedded = JSON.parse(new TextDecoder().decode(component.subarray(r.offset, section.end))) as AuditLine[];
  }
  return {
    imports: info.imports.map((i) => i.name),
    exports: info.exports.map((e) => e.name),
    ...(embedded ? { audit: embedded } : {}),
  };
}

/** The effective policy of every interface the app imports, under `plan`. */
export async function inspectPolicy(plan: Plan, app: Uint8Array): Promise<readonly AuditLine[]> {
  const { component } = await prepareApp(app);
  return audit(plan, readComponent(component).imports, []).lines;
}
