import { lookup as dnsLookup } from "node:dns/promises";
import { isIP, isIPv4, isIPv6 } from "node:net";

/**
 * Where the service may send events: a subscription URL is https and names a host on the public
 * internet, never one of the service's own network neighbours (private ranges, loopback, link-local
 * and the cloud metadata endpoints, which hand out credentials to whoever asks from inside). The
 * check runs when the admin saves the URL (checkSubscriptionUrl) and again before every delivery
 * against what DNS says then (resolvePublicUrl), because a name that was public yesterday can be
 * pointed at 169.254.169.254 today (DNS rebinding): the deliverer connects to the address checked.
 *
 * The address classes are hand-written CIDR tables over the address bytes (not node:net BlockList):
 * addresses that embed an IPv4 address (IPv4-mapped, NAT64, 6to4) must be judged by the address they
 * embed, which needs the bytes anyway, and one table states every class with the reason it gives.
 */

/**
 * A URL the rules refuse; the message says why and what to give instead. Product rules cannot import
 * the operations' errors: the operation that saves a subscription answers it as OperationError 400 on
 * `field`; at delivery time it is a failed attempt whose lastError is the message.
 */
export class UnsafeUrlError extends Error {
  override readonly name = "UnsafeUrlError";
  readonly field = "url";
}

type Range = [base: number[], bits: number, what: string];

const METADATA = "link-local (cloud instance metadata lives at 169.254.169.254)";

/** IPv4 ranges that are not public unicast (IANA IPv4 special-purpose registry), plus Azure's platform address. */
const IPV4_REFUSED: Range[] = [
  [[0, 0, 0, 0], 8, "'this network' (0.0.0.0/8)"],
  [[10, 0, 0, 0], 8, "private (10.0.0.0/8)"],
  [[100, 64, 0, 0], 10, "shared carrier-grade NAT (100.64.0.0/10)"],
  [[127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"],
  [[168, 63, 129, 16], 32, "the Azure platform's host address (168.63.129.16)"],
  [[169, 254, 0, 0], 16, METADATA],
  [[172, 16, 0, 0], 12, "private (172.16.0.0/12)"],
  [[192, 0, 0, 0], 24, "IETF protocol assignments (192.0.0.0/24)"],
  [[192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"],
  [[192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99.0/24)"],
  [[192, 168, 0, 0], 16, "private (192.168.0.0/16)"],
  [[198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"],
  [[198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"],
  [[203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"],
  [[224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"],
  [[240, 0, 0, 0], 4, "reserved (240.0.0.0/4)"],
];

/** IPv6: only global unicast 2000::/3 is public, less these special-purpose blocks inside it. */
const IPV6_GLOBAL: Range = [[0x20], 3, "global unicast"];
const IPV6_REFUSED_GLOBAL: Range[] = [
  [[0x20, 0x01, 0x00, 0x00], 23, "IETF protocol assignments, Teredo included (2001::/23)"],
  [[0x20, 0x01, 0x0d, 0xb8], 32, "documentation (2001:db8::/32)"],
  [[0x3f, 0xff, 0x00], 20, "documentation (3fff::/20)"],
];
/** IPv6 outside 2000::/3, named for the refusal (anything else there is "reserved"). */
const IPV6_NAMED: Range[] = [
  [new Array<number>(16).fill(0), 128, "unspecified (::)"],
  [[...new Array<number>(15).fill(0), 1], 128, "loopback (::1)"],
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, "local-use NAT64 (64:ff9b:1::/48)"],
  [[0xfc], 7, "unique local (fc00::/7; AWS instance metadata is fd00:ec2::254)"],
  [[0xfe, 0x80], 10, "link-local (fe80::/10)"],
  [[0xfe, 0xc0], 10, "site-local (fec0::/10)"],
  [[0xff], 8, "multicast (ff00::/8)"],
];

/** IPv6 prefixes that embed an IPv4 address: judged by that address. [prefix, bits, byte offset of the IPv4 address] */
const IPV6_EMBEDDING: [base: number[], bits: number, at: number, what: string][] = [
  [[...new Array<number>(10).fill(0), 0xff, 0xff], 96, 12, "IPv4-mapped"],
  [[0x00, 0x64, 0xff, 0x9b, ...new Array<number>(8).fill(0)], 96, 12, "NAT64"],
  [[0x20, 0x02], 16, 2, "6to4"],
];

function inRange(bytes: number[], [base, bits]: Range | [number[], number]): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((base[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

function ipv4Bytes(ip: string): number[] | undefined {
  if (!isIPv4(ip)) return undefined;
  return ip.split(".").map(Number);
}

/** The 16 bytes of an IPv6 address (`::` expanded, a trailing dotted IPv4 part included); undefined if it is none. */
function ipv6Bytes(ip: string): number[] | undefined {
  if (!isIPv6(ip) || ip.includes("%")) return undefined;
  let text = ip.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
    text = `${text.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left = "", right] = text.split("::");
  const groups = (part: string) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const head = groups(left);
  const rest = right === undefined ? [] : groups(right);
  const words =
    right === undefined ? head : [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** Why an address is not public, or undefined when it is. Not an IP address at all: refused too. */
function refusal(ip: string): string | undefined {
  const v4 = ipv4Bytes(ip);
  if (v4) return IPV4_REFUSED.find((range) => inRange(v4, range))?.[2];
  const v6 = ipv6Bytes(ip);
  if (!v6) return "not an IP address";
  for (const [base, bits, at, what] of IPV6_EMBEDDING) {
    if (!inRange(v6, [base, bits])) continue;
    const embedded = v6.slice(at, at + 4).join(".");
    const why = refusal(embedded);
    return why && `${what} ${embedded}, ${why}`;
  }
  if (!inRange(v6, IPV6_GLOBAL)) return IPV6_NAMED.find((range) => inRange(v6, range))?.[2] ?? "reserved";
  return IPV6_REFUSED_GLOBAL.find((range) => inRange(v6, range))?.[2];
}

/** Whether the service may connect to this address (IPv4 or IPv6): public unicast only. */
export function isPublicAddress(ip: string): boolean {
  return refusal(ip) === undefined;
}

/** The local host's exceptions (allowLocal): the machine itself, so the flow can be tried on a laptop and in tests. */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1"]);

/** Names that never lead to the public internet (RFC 6761 localhost, mDNS, private-use suffixes). */
const INTERNAL_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa"];

/** The host as DNS and the IP parser want it: no brackets around IPv6, no trailing root dot. */
const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");

/**
 * A subscription URL as the admin gives it, checked without DNS: absolute https (with allowLocal also
 * http://localhost and http://127.0.0.1, any port), no user name or password, and a host that is a public IP
 * address or a fully qualified name outside the internal suffixes. IPv4 written in decimal, octal or hex
 * (http://2130706433/, http://0x7f.1/) is normalised by the WHATWG URL parser first, so it is judged as the
 * address it is. Throws UnsafeUrlError saying what to change; the messages name the host, never the whole URL
 * (a query string may carry a token).
 */
export function checkSubscriptionUrl(raw: string, opts: { allowLocal: boolean }): URL {
  const local = opts.allowLocal ? " (or, on the local host, http://localhost or http://127.0.0.1)" : "";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError(`url must be an absolute https URL such as https://app.example.com/scim-events${local}.`);
  }
  if (raw.length > 2048) throw new UnsafeUrlError("url must be at most 2048 characters long.");
  const host = bareHost(url);
  const localHost = opts.allowLocal && LOCAL_HOSTS.has(host);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && localHost)) {
    throw new UnsafeUrlError(`url must use https, got ${url.protocol.slice(0, -1)}://${url.host}${local}.`);
  }
  if (url.username || url.password) {
    throw new UnsafeUrlError(
      "url must not contain a user name or password: deliveries are authenticated by their signature.",
    );
  }
  if (localHost) return url;
  const why = isIP(host) ? refusal(host) : internalName(host);
  if (why) {
    throw new UnsafeUrlError(
      `url must point to a public internet host; ${url.host} is ${why}${local}. Events carry personal data and the service does not send them into its own network.`,
    );
  }
  return url;
}

function internalName(host: string): string | undefined {
  if (host === "localhost" || INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) return "an internal name";
  if (!host.includes(".")) return "not a fully qualified domain name";
  return undefined;
}

type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * The address to deliver to, checked now: every address the host resolves to must be public, or the URL is
 * refused (UnsafeUrlError), since a name with one private address among public ones is a rebinding attempt
 * waiting for its turn. The caller connects to the returned address (pinned: the TLS server name stays the
 * URL's host), so DNS cannot answer differently between the check and the connection. IP literals are judged
 * without DNS; with allowLocal, localhost is 127.0.0.1. A name that does not resolve is a plain Error (a failed
 * attempt, retried), not a refusal.
 */
export async function resolvePublicUrl(
  url: URL,
  opts: { allowLocal: boolean; lookup?: Lookup },
): Promise<{ address: string; family: 4 | 6 }> {
  checkSubscriptionUrl(url.href, opts);
  const host = bareHost(url);
  if (opts.allowLocal && host === "localhost") return { address: "127.0.0.1", family: 4 };
  if (isIP(host)) return { address: host, family: isIP(host) as 4 | 6 };
  let addresses: { address: string }[];
  try {
    addresses = await (opts.lookup ?? systemLookup)(host);
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    throw new Error(`Could not resolve ${host} (${code}).`);
  }
  if (addresses.length === 0) throw new Error(`Could not resolve ${host} (no addresses).`);
  for (const { address } of addresses) {
    const why = refusal(address);
    if (why) {
      throw new UnsafeUrlError(
        `${host} resolves to ${address}, which is ${why}; event deliveries go to public addresses only.`,
      );
    }
  }
  const [{ address }] = addresses as [{ address: string }];
  return { address, family: isIP(address) as 4 | 6 };
}
