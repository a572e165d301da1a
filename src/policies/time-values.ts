// Durations (`250ms`, `1s`, `1us`, `10ns`) and RFC 3339 timestamps, as whole nanoseconds.

const UNIT_NS: Record<string, bigint> = {
  ns: 1n, us: 1_000n, 'µs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

/** The largest value a WASI `u64` nanosecond count can hold. */
export const U64_MAX = (1n << 64n) - 1n;

/** `250ms` → 250000000n; undefined when the text is not a duration or does not fit a u64. */
export function parseDuration(text: string): bigint | undefined {
  const m = /^(\d+)(ns|us|µs|ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const ns = BigInt(m[1]) * UNIT_NS[m[2]];
  return ns <= U64_MAX ? ns : undefined;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** `2024-01-01T00:00:00Z` → nanoseconds since the Unix epoch; undefined for a bad or pre-1970 timestamp. */
export function parseTimestamp(text: string): bigint | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const fraction = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  const ns = (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1_000_000n + fraction;
  return ns >= 0n && ns <= U64_MAX ? ns : undefined;
}
