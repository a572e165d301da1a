// What a capability folder tells the units step about the group of interfaces
// it virtualizes: which interfaces, what the Plan makes of each, and how to
// build its unit. Each capability folder exports its own; src/virtualizers.ts
// lists them.
import type { Plan } from '../policies/plan.js';
import type { WasiWit } from '../wit/wasi-wit.js';
import type { InAppPart } from './in-app-unit.js';
import type { AppImport, BuiltUnit } from './unit.js';

/** One group of interfaces that one unit virtualizes. */
export interface Virtualizer {
  /** The unit's name, for messages: `environment`. */
  readonly name: string;
  /** The unversioned interface ids of the group: `wasi:cli/environment`. */
  readonly ids: readonly string[];
  /** Whether the Plan virtualizes this interface (rather than leave it to the host). */
  virtualizes(plan: Plan, id: string): boolean;
  /** The effective policy of one interface, in a line. */
  describe(plan: Plan, id: string): string;
  /** Builds the unit for the app's imports of this group that the Plan virtualizes; `all` holds every app import, by id. */
  build(plan: Plan, imports: readonly AppImport[], all: ReadonlyMap<string, AppImport>, wit: WasiWit): Promise<BuiltUnit>;
  /**
   * The same service inside the app, as direct core calls, where this virtualizer can give it for these
   * imports under this Plan; the build uses the unit where it cannot, or where the app's shape does not allow it.
   */
  inApp?(plan: Plan, imports: readonly AppImport[]): InAppPart | undefined;
  /** Whether the Plan forbids the output to import this interface from the host. */
  hostForbidden(plan: Plan, id: string): boolean;
  /** Whether the unit owns wasi:io's resource types (the io group), and so serves one version of each interface. */
  readonly ownsIoTypes?: boolean;
  /** A unit that this one's unit calls, built and composed just before it (the io group's virtual filesystem). */
  before?(plan: Plan, all: ReadonlyMap<string, AppImport>, wit: WasiWit): Promise<BuiltUnit | undefined>;
}

