// Every WASI and canonical ABI name that virt builds or matches comes from here.

/** A semantic version, as in `@0.2.12`. */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly pre?: string;
}

/** A WIT interface name: `namespace:package/interface@version`. */
export interface InterfaceName {
  readonly namespace: string;
  readonly package: string;
  readonly interface: string;
  readonly version?: Version;
}

const WORD = '[a-z][a-z0-9]*(?:-[a-z0-9]+)*';
const INTERFACE_NAME = new RegExp(
  `^(${WORD}):(${WORD})/(${WORD})(?:@(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-([0-9A-Za-z.-]+))?)?$`,
);

/** Parses `ns:pkg/iface@1.2.3`; undefined for any other kind of name (a plain function export, say). */
export function parseInterfaceName(text: string): InterfaceName | undefined {
  const m = INTERFACE_NAME.exec(text);
  if (!m) return undefined;
  const version = m[4] === undefined ? undefined : {
    major: Number(m[4]), minor: Number(m[5]), patch: Number(m[6]), ...(m[7] ? { pre: m[7] } : {}),
  };
  return { namespace: m[1], package: m[2], interface: m[3], ...(version ? { version } : {}) };
}

/** Orders versions by major, minor and patch (pre-releases are not WASI releases virt serves). */
export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** `1.2.3` or `1.2.3-pre`. */
export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ''}`;
}

/** The full name, with its version when it has one. */
export function formatInterfaceName(name: InterfaceName): string {
  return `${interfaceId(name)}${name.version ? `@${formatVersion(name.version)}` : ''}`;
}

/** The name without its version: `wasi:cli/environment`. Versions of one interface share it. */
export function interfaceId(name: InterfaceName): string {
  return `${name.namespace}:${name.package}/${name.interface}`;
}

/** The same interface under another namespace, as a unit imports the host's copy (`host:cli/...`). */
export function inNamespace(name: InterfaceName, namespace: string): InterfaceName {
  return { ...name, namespace };
}

/** Whether the version is a WASI 0.2.x release, the versions one adapter source serves. */
export function isWasi02(name: InterfaceName): boolean {
  return name.namespace === 'wasi' && name.version?.major === 0 && name.version.minor === 2 && !name.version.pre;
}

/** The namespace under which a unit imports the host's own implementation of what it virtualizes. */
export const HOST_NAMESPACE = 'host';

/** Core export name of an interface function, as wit-component expects it: `iface@ver#func`. */
export function coreExportName(iface: InterfaceName, func: string): string {
  return `${formatInterfaceName(iface)}#${func}`;
}

/** Core import module of an interface, as wit-component expects it: the full interface name. */
export function coreImportModule(iface: InterfaceName): string {
  return formatInterfaceName(iface);
}

/** The preview-1 import module of a core module that jco's adapter can wrap. */
export const PREVIEW1_MODULE = 'wasi_snapshot_preview1';
