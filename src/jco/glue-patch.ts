// Rewrites of jco 1.35's generated glue, each measured by `npm run bench`;
// remove each once jco no longer needs it.
//
// 1. JSPI probes. The glue probes once per realloc with
//      try { x = WebAssembly.promising(f); } catch (err) { x = f; }
//    On hosts without JSPI (Node 20) the throw inside its huge init generator
//    costs about 2 ms per instantiation; a typeof check gives the same result.
// 2. Views of memory. Without multi-memory, a call between two components
//    copies lists byte by byte through JS functions that each build a new
//    DataView of the memory; one view per memory, made again only when the
//    memory grows, gives the same bytes.
// 3. Debug logging. Every trace call (dozens per call between components)
//    reads `process.env.JCO_DEBUG`, an environment lookup each time; the glue
//    reads it once instead.

const PROBE = /try\s*\{\s*([\w$]+)\s*=\s*WebAssembly\.promising\(([^()]+)\);?\s*\}\s*catch\s*\(\s*[\w$]+\s*\)\s*\{\s*\1\s*=\s*\2;?\s*\}/g;
const FRESH_VIEW = /new DataView\(([\w$]+(?:\.[\w$]+)*)\.buffer\)/g;
const DEBUG_LOG = /const _debugLog = \(\.\.\.args\) => \{\s*if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}\s*console\.debug\(\.\.\.args\);\s*\};/;
const DEBUG_LOG_ONCE = 'const _debugLog = globalThis?.process?.env?.JCO_DEBUG ? (...args) => console.debug(...args) : () => {};';

const VIEW_HELPER = `const virtViews = new WeakMap();
function virtView(memory) {
  let view = virtViews.get(memory);
  if (view === undefined || view.buffer !== memory.buffer) virtViews.set(memory, (view = new DataView(memory.buffer)));
  return view;
}
`;

/** The glue with every JSPI probe made a typeof check, every fresh memory view a cached one, and the debug switch read once; how many of each. */
export function patchGlue(js: string): { js: string; probes: number; views: number; debugLogs: number } {
  let probes = 0;
  let views = 0;
  let debugLogs = 0;
  const out = js
    .replace(DEBUG_LOG, () => {
      debugLogs++;
      return DEBUG_LOG_ONCE;
    })
    .replace(PROBE, (_, target: string, fn: string) => {
      probes++;
      return `${target} = typeof WebAssembly.promising === 'function' ? WebAssembly.promising(${fn}) : ${fn};`;
    })
    .replace(FRESH_VIEW, (_, memory: string) => {
      views++;
      return `virtView(${memory})`;
    });
  return { js: views ? VIEW_HELPER + out : out, probes, views, debugLogs };
}
