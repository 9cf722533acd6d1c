// Whether a host name is this machine: decides when a connection is the playground or a local server, and
// that Neon's cloud cannot reach a JWKS there. Written out instead of node:net so the webview can bundle it.

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail becomes two groups), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  let address = text;
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (dotted) {
    const octets = ipv4Octets(dotted[2] ?? '');
    if (!octets) return undefined;
    address = `${dotted[1]}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

/** The four octets of a dotted-quad IPv4 address, or undefined. */
function ipv4Octets(text: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/**
 * True for a loopback host: `localhost` and names under `.localhost`, IPv4 127.0.0.0/8, IPv6 `::1` (in any
 * spelling, with or without brackets) and IPv4-mapped `::ffff:127.x.x.x`. Case and a trailing dot are ignored.
 */
export function isLoopbackHost(host: string): boolean {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  else name = name.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const v4 = ipv4Octets(name);
  if (v4) return v4[0] === 127;
  if (!name.includes(':')) return false;
  const groups = ipv6Groups(name);
  if (!groups) return false;
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true;
  // IPv4-mapped (::ffff:a.b.c.d): loopback when the IPv4 part is.
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff && groups[6]! >> 8 === 127;
}
