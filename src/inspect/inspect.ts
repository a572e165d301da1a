// What a component takes from its host and what it exports; for a virt
// output, also what virt virtualized (the audit the build embedded).
import { readComponent } from '../binary/component-reader.js';
import { audit, embeddedAudit, type AuditLine } from '../audit/audit.js';
import { planForApp, planUnits } from '../units/plan-units.js';
import { VIRTUALIZERS } from '../virtualizers.js';
import { formatInterfaceName } from '../wit/names.js';
import type { Plan } from '../policies/plan.js';
import { prepareApp } from './prepare-app.js';

/** A component's imports and exports, with virt's audit when it has one. */
export interface Inspection {
  readonly imports: readonly string[];
  readonly exports: readonly string[];
  /** The audit embedded by `virt build`; undefined for components virt did not build. */
  readonly audit?: readonly AuditLine[];
}

/** Inspects a component (or a preview-1 core module, as virt would wrap it). */
export async function inspect(bytes: Uint8Array): Promise<Inspection> {
  const { component } = await prepareApp(bytes);
  const info = readComponent(component);
  const embedded = embeddedAudit(component, info);
  return {
    imports: info.imports.map((i) => i.name),
    exports: info.exports.map((e) => e.name),
    ...(embedded ? { audit: embedded } : {}),
  };
}

/** The effective policy of every interface the app imports, under `plan`. */
export async function inspectPolicy(manifestPlan: Plan, app: Uint8Array): Promise<readonly AuditLine[]> {
  const { component } = await prepareApp(app);
  const imports = readComponent(component).imports;
  const plan = planForApp(manifestPlan, imports);
  const { units, refusals } = planUnits(plan, imports, VIRTUALIZERS);
  const virtualized = new Set(units.flatMap((u) => u.imports.map((i) => formatInterfaceName(i.name))));
  return audit(plan, imports, undefined, virtualized).lines.map((line) => {
    const refusal = refusals.find((r) => r.interface === line.interface);
    return refusal ? { interface: line.interface, status: 'refused' as const, detail: refusal.reason } : line;
  });
}
