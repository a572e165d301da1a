// Socket allow-list entries: `127.0.0.1:8080`, `10.0.0.0/8:443`, `[::1]:*`, `[fd00::/8]:53`.
import { isIPv4, isIPv6 } from 'node:net';

/** One allowed destination: an address range (CIDR) and a port, or any port. */
export interface SocketRule {
  readonly family: 'ipv4' | 'ipv6';
  /** 4 bytes for IPv4, 8 u16 segments for IPv6. */
  readonly address: readonly number[];
  readonly prefix: number;
  readonly port: number | '*';
  /** The entry as written. */
  readonly text: string;
}

// The 8 segments of a valid IPv6 address, a trailing dotted quad (`::ffff:1.2.3.4`) being the last two.
function ipv6Segments(text: string): number[] {
  const quad = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const hex = quad ? text.slice(0, text.length - quad[1].length) : text;
  const tailSegments = quad ? (() => {
    const [a, b, c, d] = quad[1].split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  })() : [];
  const [head, tail] = hex.includes('::') ? hex.split('::') : [hex.replace(/:$/, ''), undefined];
  const parse = (part: string): number[] => (part ? part.split(':').filter(Boolean).map((s) => parseInt(s, 16)) : []);
  const left = parse(head);
  const right = [...(tail === undefined ? [] : parse(tail)), ...tailSegments];
  const middle = tail === undefined ? [] : new Array(8 - left.length - right.length).fill(0);
  return [...left, ...middle, ...right];
}

/** Parses one entry; a string is the reason it is bad. */
export function parseSocketRule(text: string): SocketRule | string {
  const m = /^(?:\[([^\]]+)\]|([^:/]+(?:\/\d+)?)):(\*|\d+)$/.exec(text.trim());
  if (!m) return `bad socket address \`${text}\`: write ADDRESS:PORT, ADDRESS/PREFIX:PORT or [IPv6]:PORT, with \`*\` for any port`;
  const [address, prefixText] = (m[1] ?? m[2]).split('/');
  const port = m[3] === '*' ? '*' : Number(m[3]);
  if (port !== '*' && (port < 1 || port > 65535)) return `bad port \`${m[3]}\` in \`${text}\`: it must be 1 to 65535, or \`*\``;
  if (address.includes('%')) return `bad IP address \`${address}\` in \`${text}\`: a zone (\`%${address.split('%')[1]}\`) names a host's interface, which no rule can match; remove it`;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) && m[1] !== undefined ? 'ipv6' : undefined;
  if (!family) return `bad IP address \`${address}\` in \`${text}\`${isIPv6(address) ? ': write IPv6 addresses in brackets, as `[::1]:80`' : ''}`;
  const bits = family === 'ipv4' ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!/^\d*$/.test(prefixText ?? '') || prefix > bits) return `bad prefix \`/${prefixText}\` in \`${text}\`: it must be 0 to ${bits}`;
  const parts = family === 'ipv4' ? address.split('.').map(Number) : ipv6Segments(address);
  return { family, address: parts, prefix, port, text };
}
