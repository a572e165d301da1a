// The virtualizers of the environment, clocks, random, exit and terminal units.
import type { ClockPolicy, Plan } from '../policies/plan.js';
import { buildGeneratedUnit } from '../units/generated-unit.js';
import { buildUnit, type AppImport } from '../units/unit.js';
import type { Virtualizer } from '../units/virtualizer.js';
import { interfaceId } from '../wit/names.js';
import { clocksUnit, MONOTONIC_CLOCK_ID, POLL_ID, WALL_CLOCK_ID } from './clocks-unit.js';
import { environmentInApp } from './environment-in-app.js';
import { environmentUnit, ENVIRONMENT_ID, hostFunctions } from './environment-unit.js';
import { EXIT_ID, exitUnit } from './exit-unit.js';
import { RANDOM_IDS, randomUnit } from './random-unit.js';
import { clocksInApp, exitInApp, randomInApp } from './simple-in-app.js';
import { nullTerminalInApp, nullTerminalUnit, TERMINAL_IDS } from './terminal-unit.js';

function list(values: readonly string[]): string {
  return values.length ? values.map((v) => JSON.stringify(v)).join(', ') : 'none';
}

function byId(imports: readonly AppImport[], id: string): AppImport | undefined {
  return imports.find((i) => interfaceId(i.name) === id);
}

export const environment: Virtualizer = {
  name: 'environment',
  ids: [ENVIRONMENT_ID],
  virtualizes: () => true,
  describe({ env }) {
    const host = env.host.mode === 'allow' || env.host.mode === 'deny' ? `${env.host.mode} ${list(env.host.patterns)}` : env.host.mode;
    const args = env.args.mode === 'host' ? 'host' : list(env.args.values);
    const cwd = env.cwd.mode === 'fixed' ? JSON.stringify(env.cwd.path) : env.cwd.mode;
    return `vars ${list(env.vars.map(([k]) => k))}; host vars ${host}; args ${args}; cwd ${cwd}`;
  },
  build: (plan, [app], _, wit) => buildUnit(environmentUnit(plan.env, app.name, app.functions), wit),
  inApp: (plan, [app]) => environmentInApp(plan.env, app),
  hostForbidden: (plan) => hostFunctions(plan.env).size === 0,
};

const NS_PER_SECOND = 1_000_000_000n;

function clockOf(plan: Plan, id: string): ClockPolicy {
  return id === WALL_CLOCK_ID ? plan.clocks.wall : plan.clocks.monotonic;
}

function describeClock(clock: ClockPolicy, id: string): string {
  if (clock.mode !== 'virtual') return clock.mode === 'deny' ? 'denied: every call traps' : 'host';
  const start = id === WALL_CLOCK_ID
    ? new Date(Number(clock.startNs / 1_000_000n)).toISOString()
    : `${clock.startNs / NS_PER_SECOND}s + ${clock.startNs % NS_PER_SECOND}ns`;
  const sleeps = id === WALL_CLOCK_ID ? 'moves with virtual sleeps' : 'sleeps return at once and move it past their deadline';
  return `virtual: starts at ${start}, steps ${clock.stepNs}ns per reading; ${sleeps}`;
}

export const clocks: Virtualizer = {
  name: 'clocks',
  ids: [WALL_CLOCK_ID, MONOTONIC_CLOCK_ID],
  virtualizes: (plan, id) => clockOf(plan, id).mode !== 'host',
  describe: (plan, id) => describeClock(clockOf(plan, id), id),
  build: (plan, imports, all, wit) =>
    buildUnit(clocksUnit(plan.clocks, byId(imports, WALL_CLOCK_ID), byId(imports, MONOTONIC_CLOCK_ID), all.get(POLL_ID)), wit),
  inApp: (plan, imports) => clocksInApp(plan.clocks, imports),
  hostForbidden: (plan, id) => clockOf(plan, id).mode !== 'host',
};

export const random: Virtualizer = {
  name: 'random',
  ids: RANDOM_IDS,
  virtualizes: (plan) => plan.random.mode !== 'host',
  describe: ({ random: r }) => (r.mode === 'seeded' ? `seeded ChaCha20 streams (seed ${r.seed})` : r.mode === 'deny' ? 'denied: every call traps' : 'host'),
  build: (plan, imports, _, wit) => buildUnit(randomUnit(plan.random, imports), wit),
  inApp: (plan, imports) => randomInApp(plan.random, imports),
  hostForbidden: (plan) => plan.random.mode !== 'host',
};

export const exit: Virtualizer = {
  name: 'exit',
  ids: [EXIT_ID],
  virtualizes: (plan) => plan.exit === 'deny',
  describe: (plan) => (plan.exit === 'deny' ? 'denied: `exit` traps' : 'host'),
  build: (_, [app], __, wit) => buildUnit(exitUnit(app), wit),
  inApp: (_, imports) => exitInApp(imports),
  hostForbidden: (plan) => plan.exit === 'deny',
};

export const terminal: Virtualizer = {
  name: 'terminal',
  ids: TERMINAL_IDS,
  virtualizes: (plan) => plan.stdio.terminal === 'none',
  describe: (plan) => (plan.stdio.terminal === 'none' ? 'none: no stream is a terminal' : 'host'),
  build: (_, imports, __, wit) => buildGeneratedUnit(nullTerminalUnit(imports), wit),
  inApp: (_, imports) => nullTerminalInApp(imports),
  hostForbidden: (plan) => plan.stdio.terminal === 'none',
};
