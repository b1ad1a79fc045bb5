// SSRF guard for webhook endpoints: a partner's URL must not make this server POST into its own network. Checked
// when a URL is registered or changed (400) and again right before every delivery (DNS may have changed since),
// unless WEBHOOK_ALLOW_PRIVATE_TARGETS says the partner really is on the LAN.
import { BlockList, isIP } from 'node:net'
import type { Config } from '../config'
import { Invalid } from '../domain/errors'

// Ranges a delivery may not reach, in check order (the first match names the refusal). node:net's BlockList also
// matches the IPv4-mapped IPv6 form (::ffff:127.0.0.1) of an IPv4 rule, so those need no rules of their own.
const RANGES: readonly { label: string; address: string; prefix: number; family: 'ipv4' | 'ipv6' }[] = [
  { label: 'loopback', address: '127.0.0.0', prefix: 8, family: 'ipv4' },
  { label: 'unspecified ("this network")', address: '0.0.0.0', prefix: 8, family: 'ipv4' },
  { label: 'private (RFC 1918)', address: '10.0.0.0', prefix: 8, family: 'ipv4' },
  { label: 'private (RFC 1918)', address: '172.16.0.0', prefix: 12, family: 'ipv4' },
  { label: 'private (RFC 1918)', address: '192.168.0.0', prefix: 16, family: 'ipv4' },
  { label: 'link-local', address: '169.254.0.0', prefix: 16, family: 'ipv4' },
  { label: 'carrier-grade NAT', address: '100.64.0.0', prefix: 10, family: 'ipv4' },
  { label: 'multicast', address: '224.0.0.0', prefix: 4, family: 'ipv4' },
  { label: 'reserved or broadcast', address: '240.0.0.0', prefix: 4, family: 'ipv4' },
  // The rest of IANA's IPv4 and IPv6 special-purpose registries that is not globally reachable (RFC 6890 and later).
  { label: 'IETF protocol assignment', address: '192.0.0.0', prefix: 24, family: 'ipv4' },
  { label: 'documentation (TEST-NET)', address: '192.0.2.0', prefix: 24, family: 'ipv4' },
  { label: 'documentation (TEST-NET)', address: '198.51.100.0', prefix: 24, family: 'ipv4' },
  { label: 'documentation (TEST-NET)', address: '203.0.113.0', prefix: 24, family: 'ipv4' },
  { label: 'benchmarking', address: '198.18.0.0', prefix: 15, family: 'ipv4' },
  { label: '6to4 relay anycast (deprecated)', address: '192.88.99.0', prefix: 24, family: 'ipv4' },
  { label: 'loopback', address: '::1', prefix: 128, family: 'ipv6' },
  { label: 'unspecified', address: '::', prefix: 128, family: 'ipv6' },
  { label: 'IPv4-compatible', address: '::', prefix: 96, family: 'ipv6' },
  { label: 'link-local', address: 'fe80::', prefix: 10, family: 'ipv6' },
  { label: 'site-local', address: 'fec0::', prefix: 10, family: 'ipv6' },
  { label: 'unique-local', address: 'fc00::', prefix: 7, family: 'ipv6' },
  { label: 'multicast', address: 'ff00::', prefix: 8, family: 'ipv6' },
  { label: 'IPv4-translated (SIIT)', address: '::ffff:0:0:0', prefix: 96, family: 'ipv6' },
  { label: 'discard-only', address: '100::', prefix: 64, family: 'ipv6' },
  { label: 'dummy prefix', address: '100:0:0:1::', prefix: 64, family: 'ipv6' },
  { label: 'benchmarking', address: '2001:2::', prefix: 48, family: 'ipv6' },
  { label: 'ORCHID (deprecated)', address: '2001:10::', prefix: 28, family: 'ipv6' },
  { label: 'documentation', address: '2001:db8::', prefix: 32, family: 'ipv6' },
  { label: 'documentation', address: '3fff::', prefix: 20, family: 'ipv6' },
  { label: 'segment routing (SRv6 SIDs)', address: '5f00::', prefix: 16, family: 'ipv6' },
]

const subnet = (address: string, prefix: number, family: 'ipv4' | 'ipv6') => {
  const list = new BlockList()
  list.addSubnet(address, prefix, family)
  return list
}

const LISTS = RANGES.map(({ label, address, prefix, family }) => ({ label, list: subnet(address, prefix, family) }))

// The 16 bytes of a valid IPv6 address (zone id dropped, a dotted IPv4 tail folded into the last two groups).
function ipv6Bytes(address: string): number[] {
  const plain = address.split('%')[0] ?? ''
  const text = plain.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_, a, b, c, d) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  )
  const groups = (part: string) => (part === '' ? [] : part.split(':'))
  const [head = [], tail] = text.split('::').map(groups)
  const words = tail === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail]
  return words.flatMap((word) => {
    const value = Number.parseInt(word, 16)
    return [value >> 8, value & 0xff]
  })
}

const dotted = (bytes: number[]) => bytes.join('.')

// A local-use NAT64 prefix may have any RFC 6052 length from /48 to /96 and only the translator knows which: every
// reading the address allows is checked. Below /96 the IPv4 skips the "u" octet (byte 8), which like the suffix
// after the IPv4 must be zero, so a /96-style address is not misread as one of the shorter forms.
function localUseReadings(bytes: number[]): string[] {
  const readings: string[] = []
  for (const start of [6, 7, 9]) {
    const at = [start, start + 1, start + 2, start + 3, start + 4].filter((index) => index !== 8).slice(0, 4)
    const suffix = bytes.slice((at[3] ?? 15) + 1)
    if (bytes[8] === 0 && suffix.every((byte) => byte === 0)) readings.push(dotted(at.map((index) => bytes[index] ?? 0)))
  }
  return [...readings, dotted(bytes.slice(12))]
}

// IPv6 forms a translator or relay turns into an IPv4 destination: refused when the IPv4 they carry is refused.
// (IPv4-compatible ::/96 is deprecated and refused outright above.)
const WRAPPERS: readonly { label: string; list: BlockList; embedded: (bytes: number[]) => string[] }[] = [
  { label: 'NAT64', list: subnet('64:ff9b::', 96, 'ipv6'), embedded: (bytes) => [dotted(bytes.slice(12))] },
  { label: 'local-use NAT64', list: subnet('64:ff9b:1::', 48, 'ipv6'), embedded: localUseReadings },
  { label: '6to4', list: subnet('2002::', 16, 'ipv6'), embedded: (bytes) => [dotted(bytes.slice(2, 6))] },
  // The Teredo client's public IPv4 is stored inverted in the last 32 bits.
  { label: 'Teredo', list: subnet('2001::', 32, 'ipv6'), embedded: (bytes) => [dotted(bytes.slice(12).map((byte) => byte ^ 0xff))] },
]

function blockedWrapped(address: string): string | null {
  const wrapper = WRAPPERS.find(({ list }) => list.check(address, 'ipv6'))
  if (!wrapper) return null
  for (const inner of wrapper.embedded(ipv6Bytes(address))) {
    const blocked = blockedAddress(inner)
    if (blocked) return `${wrapper.label}-wrapped ${blocked}`
  }
  return null
}

// The kind of non-public address `address` is ("loopback", "private (RFC 1918)", "NAT64-wrapped loopback", ...), or
// null when a delivery may go there. Anything that is not an IP address at all is refused too.
export function blockedAddress(address: string): string | null {
  const version = isIP(address)
  if (version === 0) return 'not an IP address'
  const family = version === 4 ? 'ipv4' : 'ipv6'
  const direct = LISTS.find(({ list }) => list.check(address, family))?.label ?? null
  return direct ?? (version === 6 ? blockedWrapped(address) : null)
}

export type Resolver = (host: string) => Promise<string[]>

export const systemResolver: Resolver = async (host) => (await Bun.dns.lookup(host)).map((entry) => entry.address)

// allowed: may be sent, to `address` when the host is a name (null: the URL's own address, or not looked up);
// refused: the host is (or resolves to) a non-public address, a permanent refusal; unresolved: DNS gave no answer
// (or none in time), which says nothing about the target yet.
export type TargetVerdict =
  | { kind: 'allowed'; address: string | null }
  | { kind: 'refused'; reason: string }
  | { kind: 'unresolved'; reason: string }

export type TargetOptions = { allowPrivate: boolean; timeoutMs: number; resolve?: Resolver; abort?: AbortSignal }

// The host of a URL as an address or a name: WHATWG URL parsing already normalises 0x7f000001, 2130706433 and 127.1
// to 127.0.0.1 and ::ffff:127.0.0.1 to [::ffff:7f00:1]; only the IPv6 brackets are left to strip.
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1')

function within<V>(promise: Promise<V>, timeoutMs: number, abort?: AbortSignal): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    const stop = () => reject(new Error('aborted'))
    if (abort?.aborted) stop()
    abort?.addEventListener('abort', stop, { once: true })
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer)
      abort?.removeEventListener('abort', stop)
    })
  })
}

// Every address the host resolves to must be public: one private answer is enough to refuse. With private targets
// allowed nothing is looked up (registration needs no answer then).
export async function checkTarget(rawUrl: string, options: TargetOptions): Promise<TargetVerdict> {
  return options.allowPrivate ? { kind: 'allowed', address: null } : resolveTarget(rawUrl, options)
}

// IPv4 first: a server without an IPv6 route would otherwise fail where fetch's own lookup would have fallen back.
const connectable = (addresses: string[]) => addresses.find((address) => isIP(address) === 4) ?? addresses[0] ?? null

// What a delivery connects to: checkTarget's verdict (the addresses are checked unless private targets are allowed),
// with a name always looked up here, once, and the address to connect to chosen among the checked ones.
export async function resolveTarget(rawUrl: string, options: TargetOptions): Promise<TargetVerdict> {
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    return { kind: 'refused', reason: 'not a valid URL' }
  }
  const host = hostOf(url)
  if (isIP(host) !== 0) {
    const blocked = options.allowPrivate ? null : blockedAddress(host)
    return blocked ? { kind: 'refused', reason: `${host} is a ${blocked} address` } : { kind: 'allowed', address: null }
  }
  let addresses: string[]
  try {
    addresses = await within((options.resolve ?? systemResolver)(host), options.timeoutMs, options.abort)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
    return { kind: 'unresolved', reason: `DNS lookup of ${host} failed: ${detail}` }
  }
  if (addresses.length === 0) return { kind: 'unresolved', reason: `DNS lookup of ${host} found no address` }
  for (const address of options.allowPrivate ? [] : addresses) {
    const blocked = blockedAddress(address)
    // The resolved address itself is not named: it could reveal the server's internal DNS to a tenant.
    if (blocked) return { kind: 'refused', reason: `${host} resolves to a ${blocked} address` }
  }
  return { kind: 'allowed', address: connectable(addresses) }
}

const REGISTRATION_DNS_TIMEOUT_MS = 5000

// Registration and URL changes: 400 (with a `url` detail) for a non-public target. A name that does not resolve
// (yet) is accepted: nothing can be sent to it, and every delivery checks again before connecting.
export async function assertPublicTarget(
  config: Pick<Config, 'webhookAllowPrivateTargets' | 'webhookTimeoutMs'>,
  url: string,
  resolve?: Resolver,
): Promise<void> {
  const timeoutMs = Math.min(config.webhookTimeoutMs, REGISTRATION_DNS_TIMEOUT_MS)
  const verdict = await checkTarget(url, { allowPrivate: config.webhookAllowPrivateTargets, timeoutMs, resolve })
  if (verdict.kind !== 'refused') return
  const message = `${verdict.reason}; private network targets are refused (WEBHOOK_ALLOW_PRIVATE_TARGETS is false)`
  throw new Invalid(`url ${message}`, [{ field: 'url', message }])
}
