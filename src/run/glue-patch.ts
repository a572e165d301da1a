// jco 1.35's generated glue probes for JSPI once per realloc with
//   try { x = WebAssembly.promising(f); } catch (err) { x = f; }
// On hosts without JSPI (Node 20) the throw inside its huge init generator
// costs about 2 ms per instantiation. This rewrites each probe into a typeof
// check with the same result. Measured by bench/run.js; remove once jco stops
// throwing there.

const PROBE = /try\s*\{\s*([\w$]+)\s*=\s*WebAssembly\.promising\(([^()]+)\);?\s*\}\s*catch\s*\(\s*[\w$]+\s*\)\s*\{\s*\1\s*=\s*\2;?\s*\}/g;

/** The glue with every JSPI probe made a typeof check; also how many it rewrote. */
export function patchJspiProbes(js: string): { js: string; patched: number } {
  let patched = 0;
  const out = js.replace(PROBE, (_, target: string, fn: string) => {
    patched++;
    return `${target} = typeof WebAssembly.promising === 'function' ? WebAssembly.promising(${fn}) : ${fn};`;
  });
  return { js: out, patched };
}
