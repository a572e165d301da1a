// Reads a core module's imports and exports: enough to tell a WASI preview-1
// command or reactor from anything else.
import { ByteReader } from './byte-reader.js';
import { readSections } from './component-reader.js';

/** A core module's import or export name. */
export interface CoreName {
  readonly module?: string;
  readonly name: string;
}

/** The ids of the core sections virt reads. */
export const IMPORT_SECTION = 2;
const EXPORT_SECTION = 7;

function skipLimits(r: ByteReader): void {
  const flags = r.u8();
  r.u32();
  if (flags & 0x01) r.u32();
}

/** Reads past an import's descriptor: a function, table, memory, global or tag. */
export function readImportDesc(r: ByteReader): void {
  const kind = r.u8();
  if (kind === 0x00 || kind === 0x04) {
    if (kind === 0x04) r.u8();
    r.u32();
  } else if (kind === 0x01) {
    r.u8();
    skipLimits(r);
  } else if (kind === 0x02) skipLimits(r);
  else if (kind === 0x03) {
    r.u8();
    r.u8();
  } else r.fail(`unknown import kind 0x${kind.toString(16)}`);
}

/** The imports and exports of a core module. */
export function readModuleInterface(bytes: Uint8Array): { imports: CoreName[]; exports: CoreName[] } {
  const imports: CoreName[] = [];
  const exports: CoreName[] = [];
  for (const section of readSections(bytes)) {
    const r = new ByteReader(bytes, section.contentStart, section.end);
    if (section.id === IMPORT_SECTION) {
      r.vec(() => {
        const module = r.name();
        const name = r.name();
        readImportDesc(r);
        imports.push({ module, name });
      });
    } else if (section.id === EXPORT_SECTION) {
      r.vec(() => {
        const name = r.name();
        r.u8();
        r.u32();
        exports.push({ name });
      });
    }
  }
  return { imports, exports };
}
