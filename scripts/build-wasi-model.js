// Writes the typed model of jco's shipped WASI WIT (src/wit/wasi-model.ts) beside the adapters, once, at
// package build (`npm run build`), so that `virt build` reads it instead of parsing WIT.
import { writeFile } from 'node:fs/promises';
import { buildWasiModel, wasiModelPath } from '../dist/wit/wasi-model.js';

await writeFile(wasiModelPath(), `${JSON.stringify(await buildWasiModel())}\n`);
