// Compiles the manifest schema to standalone validation code at package build (`npm run build`), so that
// `virt build` does not compile it at each start. src/policies/manifest.ts falls back to compiling it when the
// file is missing.
import { writeFile } from 'node:fs/promises';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { manifestAjv, PRECOMPILED_VALIDATOR } from '../dist/policies/manifest.js';

const { ajv, schema } = manifestAjv({ code: { source: true } });
const code = standaloneCode.default(ajv, ajv.compile(schema));
await writeFile(new URL(PRECOMPILED_VALIDATOR, new URL('../dist/policies/', import.meta.url)), code);
