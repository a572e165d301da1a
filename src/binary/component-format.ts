// The numbers of the component binary format (component-model Binary.md), in one place.

/** Section ids. */
export const SECTION = {
  custom: 0,
  coreModule: 1,
  coreInstance: 2,
  coreType: 3,
  component: 4,
  instance: 5,
  alias: 6,
  type: 7,
  canon: 8,
  start: 9,
  import: 10,
  export: 11,
} as const;

/** The component-level sorts that virt wires; `core` stands for any core sort. */
export type Sort = 'core' | 'func' | 'value' | 'type' | 'component' | 'instance';

const byName: Record<Exclude<Sort, 'core'>, number> = { func: 0x01, value: 0x02, type: 0x03, component: 0x04, instance: 0x05 };

/** Sort bytes, both ways. */
export const SORT = {
  byte: byName,
  byByte: new Map<number, Sort>(Object.entries(byName).map(([name, byte]) => [byte, name as Sort])),
};

/** The preamble of a component: magic, version 0x0d, layer 1. */
export const COMPONENT_PREAMBLE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00);
