// Which capability each WASI interface belongs to, at any version (0.2, 0.3,
// ...), and whether the Plan lets the host provide it. This is what makes virt
// fail closed: an interface no unit serves may reach the host only when the
// Plan grants its capability to the host.
import { formatVersion, type InterfaceName } from '../wit/names.js';
import type { Plan } from './plan.js';

/** A capability the manifest has a policy for. */
export type Capability =
  | 'the environment' | 'exit' | 'stdin' | 'stdout' | 'stderr'
  | 'the wall clock' | 'the monotonic clock' | 'random' | 'sockets' | 'http' | 'the filesystem' | 'the terminal';

// `package/interface` → its capability; `null` for interfaces that grant
// nothing by themselves (types).
const INTERFACES: Readonly<Record<string, Capability | null>> = {
  'cli/environment': 'the environment',
  'cli/exit': 'exit',
  'cli/stdin': 'stdin',
  'cli/stdout': 'stdout',
  'cli/stderr': 'stderr',
  'cli/terminal-input': null,
  'cli/terminal-output': null,
  'cli/terminal-stdin': 'the terminal',
  'cli/terminal-stdout': 'the terminal',
  'cli/terminal-stderr': 'the terminal',
  'cli/types': null,
  'clocks/wall-clock': 'the wall clock',
  'clocks/system-clock': 'the wall clock',
  'clocks/timezone': 'the wall clock',
  'clocks/monotonic-clock': 'the monotonic clock',
  'clocks/types': null,
  'io/error': null,
  'io/poll': null,
  'io/streams': null,
  'http/types': null,
  'http/outgoing-handler': 'http',
  'http/client': 'http',
  'http/handler': 'http',
  'http/incoming-handler': 'http',
};

// Every interface of these packages belongs to the package's capability.
const PACKAGES: Readonly<Record<string, Capability>> = { sockets: 'sockets', filesystem: 'the filesystem', random: 'random' };

/**
 * The capability of a `wasi:` interface: `null` when it grants nothing by
 * itself, undefined when virt does not know the interface.
 */
export function capabilityOf(name: InterfaceName): Capability | null | undefined {
  if (name.namespace !== 'wasi') return undefined;
  const known = INTERFACES[`${name.package}/${name.interface}`];
  return known !== undefined ? known : PACKAGES[name.package];
}

/** What the Plan makes of a capability: the host's, denied, answered by virt, or the host's behind an allow-list. */
export type Mode = 'host' | 'deny' | 'virtual' | 'allow-list';

// A policy's mode: the host's, denied, or anything virt answers itself.
function hostDenyOrVirtual(mode: string): Mode {
  return mode === 'host' ? 'host' : mode === 'deny' ? 'deny' : 'virtual';
}

/** The Plan's mode for a capability. */
export function modeOf(plan: Plan, capability: Capability): Mode {
  switch (capability) {
    case 'the environment': {
      const { vars, host, args, cwd } = plan.env;
      return vars.length === 0 && host.mode === 'all' && args.mode === 'host' && cwd.mode === 'host' ? 'host' : 'virtual';
    }
    case 'exit':
      return plan.exit === 'allow' ? 'host' : 'deny';
    case 'stdin':
      return hostDenyOrVirtual(plan.stdio.stdin.mode);
    case 'stdout':
    case 'stderr':
      return hostDenyOrVirtual(plan.stdio[capability]);
    case 'the wall clock':
      return hostDenyOrVirtual(plan.clocks.wall.mode);
    case 'the monotonic clock':
      return hostDenyOrVirtual(plan.clocks.monotonic.mode);
    case 'random':
      return hostDenyOrVirtual(plan.random.mode);
    case 'sockets':
    case 'http': {
      const mode = plan[capability].mode;
      return mode === 'allow' ? 'allow-list' : mode;
    }
    case 'the filesystem':
      return plan.filesystem.mode === 'none' ? 'deny' : plan.filesystem.mode;
    case 'the terminal':
      return plan.stdio.terminal === 'host' ? 'host' : 'virtual';
  }
}

const VERB: Readonly<Record<Exclude<Mode, 'host'>, string>> = { deny: 'denies', virtual: 'virtualizes', 'allow-list': 'allow-lists' };

/**
 * Why the host may not provide `name` under `plan`, as a sentence to show; or
 * undefined when it may. For an interface that virt does not serve.
 */
export function hostRefusal(plan: Plan, name: InterfaceName): string | undefined {
  if (name.namespace !== 'wasi') return undefined;
  const capability = capabilityOf(name);
  if (capability === undefined) return 'virt knows no capability of this WASI interface, so the manifest cannot grant it';
  if (capability === null) return undefined;
  const mode = modeOf(plan, capability);
  if (mode === 'host') return undefined;
  const unserved = name.version && !(name.version.major === 0 && name.version.minor === 2)
    ? `WASI ${formatVersion(name.version)} is not virtualized yet`
    : 'virt does not virtualize it';
  return `${unserved}, and the manifest ${VERB[mode]} ${capability}`;
}
