// `virt init`: a starter manifest from what an app imports. Each section the
// app can reach is written out with its default (the safe one, where there is
// a choice), and the alternatives as comments; sections it cannot reach are left
// out, since no policy of theirs would change anything.
import { readComponent } from '../binary/component-reader.js';
import { capabilityOf, type Capability } from '../policies/capabilities.js';
import { parseInterfaceName } from '../wit/names.js';
import { prepareApp } from './prepare-app.js';

/** What the starter manifest says about itself. */
export interface StarterOptions {
  /** Where the editor finds the schema, relative to the manifest or a URL: the first line's `$schema`. */
  readonly schema: string;
  /** The app's file name, for the header. */
  readonly appName: string;
}

// Each section: the capabilities that make it reachable, and its lines (`key: value # alternatives`).
const SECTIONS: ReadonlyArray<{ readonly needs: readonly Capability[]; readonly lines: (has: (c: Capability) => boolean) => string[] }> = [
  {
    needs: ['the environment'],
    lines: () => [
      'env:',
      '  vars: {}                # fixed variables, in this order: { HOME: /home/app, LANG: C.UTF-8 }',
      '  host: none              # none | all | { allow: [NAME, "GLOB_*"] } | { deny: [...] }',
      '  args: host              # host | [argv0, arg1, ...]',
      '  cwd: none               # none | host | "/path"',
    ],
  },
  {
    needs: ['the wall clock', 'the monotonic clock'],
    lines: (has) => [
      'clocks:',
      ...(has('the wall clock') ? ['  wall: host              # host | deny | { start: "2024-01-01T00:00:00Z", step: 1ms }'] : []),
      ...(has('the monotonic clock') ? ['  monotonic: host         # host | deny | { start: 0s, step: 1us }: sleeps take no real time'] : []),
    ],
  },
  { needs: ['random'], lines: () => ['random:', '  mode: host              # host | deny | seeded, with `seed: 42` (any u64)'] },
  { needs: ['exit'], lines: () => ['exit: allow               # allow | deny: `exit` traps'] },
  {
    needs: ['stdin', 'stdout', 'stderr', 'the terminal'],
    lines: (has) => [
      'stdio:',
      ...(has('stdin') ? ['  stdin: host             # host | ignore | deny | { text: "..." } | { file: ./input.txt }'] : []),
      ...(has('stdout') ? ['  stdout: host            # host | ignore | deny'] : []),
      ...(has('stderr') ? ['  stderr: host            # host | ignore | deny'] : []),
      ...(has('the terminal') ? ['  terminal: host          # host | none: isatty() is never true (none once any stream is not host)'] : []),
    ],
  },
  { needs: ['sockets'], lines: () => ['sockets: deny             # deny | host | { allow: ["127.0.0.1:8080", "10.0.0.0/8:443"], dns: deny }'] },
  { needs: ['http'], lines: () => ['http: deny                # deny | host | { allow: ["https://api.example.com"] }'] },
  {
    needs: ['the filesystem'],
    lines: () => [
      '# filesystem: without this section the app sees no files at all. To give it some:',
      '# filesystem:',
      '#   mounts:',
      '#     /data: { embed: ./data }          # read at build time, embedded in the output',
      '#     /tmp:  { memory: {} }             # empty, writable, in memory',
      '#     /srv:  { host: /srv }             # the host\'s preopen /srv at run time, read-only',
      '# or `filesystem: host` to pass the host\'s preopens through.',
    ],
  },
];

/** A starter manifest for `app` (a component or a preview-1 module), as YAML text that `virt build` accepts. */
export async function starterManifest(app: Uint8Array, options: StarterOptions): Promise<string> {
  const { component } = await prepareApp(app);
  const reachable = new Set<Capability>();
  for (const entry of readComponent(component).imports) {
    const name = parseInterfaceName(entry.name);
    const capability = name && capabilityOf(name);
    if (capability) reachable.add(capability);
  }
  const has = (c: Capability) => reachable.has(c);
  const lines = [
    `# yaml-language-server: $schema=${options.schema}`,
    `# A starter manifest for ${options.appName}, from what it imports: each value is the default, and`,
    '# the comments give the alternatives. Build with: virt build <this file> <app.wasm> -o <out.wasm>',
    'version: 1',
    ...(has('the wall clock') || has('the monotonic clock') || has('random')
      ? ['# deterministic: true      # virtual clocks, seeded random, no terminal: every run the same;',
        '#                          # the clocks, random and stdio.terminal keys below override it: remove them']
      : []),
    ...SECTIONS.filter((s) => s.needs.some(has)).flatMap((s) => s.lines(has)),
  ];
  return `${lines.join('\n')}\n`;
}
