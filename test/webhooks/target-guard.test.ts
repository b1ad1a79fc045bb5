import { describe, expect, it } from 'bun:test'
import { loadConfig } from '../../src/config'
import { classifyAttempt } from '../../src/webhooks/policy'
import { blockedAddress, checkTarget, type Resolver } from '../../src/webhooks/target-guard'

const GUARDED = { allowPrivate: false, timeoutMs: 1000 }
const noDns: Resolver = () => {
  throw new Error('an address literal must not be looked up')
}
const fixed =
  (answers: Record<string, string[]>): Resolver =>
  async (host) => {
    const found = answers[host]
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return found
  }

describe('blockedAddress', () => {
  const blocked: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.254', 'private (RFC 1918)'],
    ['192.168.1.10', 'private (RFC 1918)'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    // IPv4-mapped IPv6 forms of the IPv4 ranges, dotted and hex.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private (RFC 1918)'],
    ['::ffff:192.168.0.1', 'private (RFC 1918)'],
    ['::ffff:100.64.0.1', 'carrier-grade NAT'],
    ['::ffff:0.0.0.0', 'unspecified ("this network")'],
    ['::127.0.0.1', 'IPv4-compatible'],
    // The special-purpose registries' other ranges (issue 24 #16).
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.254', 'benchmarking'],
    ['192.0.0.170', 'IETF protocol assignment'],
    ['192.0.2.1', 'documentation (TEST-NET)'],
    ['198.51.100.7', 'documentation (TEST-NET)'],
    ['203.0.113.9', 'documentation (TEST-NET)'],
    ['192.88.99.1', '6to4 relay anycast (deprecated)'],
    ['100::1', 'discard-only'],
    ['100:0:0:1::1', 'dummy prefix'],
    ['::ffff:0:7f00:1', 'IPv4-translated (SIIT)'],
    ['::ffff:0:808:808', 'IPv4-translated (SIIT)'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'ORCHID (deprecated)'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['5f00::1', 'segment routing (SRv6 SIDs)'],
  ]
  it.each(blocked)('should refuse %s as %s', (address, label) => {
    expect(blockedAddress(address)).toBe(label)
  })

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '100.63.255.255',
    '11.0.0.1',
    '169.255.0.1',
    '223.255.255.255',
    '198.20.0.1',
    '192.0.3.1',
    '101::1',
    '2606:2800:220:1:248:1893:25c8:1946',
    '2001:4860:4860::8888',
    '::ffff:93.184.216.34',
  ])('should let the public address %s pass', (address) => {
    expect(blockedAddress(address)).toBeNull()
  })

  it('should refuse what is not an address at all', () => {
    expect(blockedAddress('localhost')).toBe('not an IP address')
    expect(blockedAddress('')).toBe('not an IP address')
  })
})

describe('blockedAddress, given an IPv6 form that wraps an IPv4 address', () => {
  // [address, the IPv4 it carries, refusal]: refused exactly when that IPv4 is.
  const wrapped: [string, string, string][] = [
    ['64:ff9b::127.0.0.1', '127.0.0.1', 'NAT64-wrapped loopback'],
    ['64:ff9b::7f00:1', '127.0.0.1', 'NAT64-wrapped loopback'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254', 'NAT64-wrapped link-local'],
    ['64:ff9b::10.0.0.1', '10.0.0.1', 'NAT64-wrapped private (RFC 1918)'],
    ['64:ff9b::100.64.0.1', '100.64.0.1', 'NAT64-wrapped carrier-grade NAT'],
    ['64:ff9b::0.0.0.0', '0.0.0.0', 'NAT64-wrapped unspecified ("this network")'],
    ['64:ff9b::224.0.0.251', '224.0.0.251', 'NAT64-wrapped multicast'],
    ['64:ff9b:1::127.0.0.1', '127.0.0.1', 'local-use NAT64-wrapped loopback'],
    ['64:ff9b:1:abcd::192.168.1.1', '192.168.1.1', 'local-use NAT64-wrapped private (RFC 1918)'],
    // Local-use /48, /56 and /64 layouts (RFC 6052: the IPv4 skips bits 64..71), each carrying 127.0.0.1.
    ['64:ff9b:1:7f00:0:100::', '127.0.0.1', 'local-use NAT64-wrapped loopback'],
    ['64:ff9b:1:7f:0:1::', '127.0.0.1', 'local-use NAT64-wrapped loopback'],
    ['64:ff9b:1:0:7f:0:100:0', '127.0.0.1', 'local-use NAT64-wrapped loopback'],
    ['2002:0a00:0001::', '10.0.0.1', '6to4-wrapped private (RFC 1918)'],
    ['2002:7f00:1:1::1', '127.0.0.1', '6to4-wrapped loopback'],
    ['2002:a9fe:a9fe::', '169.254.169.254', '6to4-wrapped link-local'],
    ['2002:c0a8:0101:5::2', '192.168.1.1', '6to4-wrapped private (RFC 1918)'],
    // Teredo: server 65.54.227.120, then flags, port, and the client address inverted.
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', '127.0.0.1', 'Teredo-wrapped loopback'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', '10.0.0.1', 'Teredo-wrapped private (RFC 1918)'],
    ['2001:0:4136:e378:8000:63bf:5601:5601', '169.254.169.254', 'Teredo-wrapped link-local'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '192.0.2.45 (RFC 4380 example)', 'Teredo-wrapped documentation (TEST-NET)'],
    ['::127.0.0.1', '127.0.0.1', 'IPv4-compatible'],
  ]
  it.each(wrapped)('should refuse %s (carrying %s) as %s', (address, _inner, label) => {
    expect(blockedAddress(address)).toBe(label)
  })

  it.each([
    ['64:ff9b::8.8.8.8', '8.8.8.8'],
    ['64:ff9b::5db8:d822', '93.184.216.34'],
    ['64:ff9b:1::1.1.1.1', '1.1.1.1'],
    ['64:ff9b:1:0:8:808:800:0', '8.8.8.8 in the /64 layout'],
    ['2002:0808:0808::1', '8.8.8.8'],
    ['2001:0:4136:e378::f7f7:f7f7', '8.8.8.8'],
  ])('should let %s (carrying %s) pass', (address) => {
    expect(blockedAddress(address)).toBeNull()
  })

  it('should refuse the unspecified addresses in both families', () => {
    expect(blockedAddress('0.0.0.0')).toBe('unspecified ("this network")')
    expect(blockedAddress('0.1.2.3')).toBe('unspecified ("this network")')
    expect(blockedAddress('::')).toBe('unspecified')
    expect(blockedAddress('0:0:0:0:0:0:0:0')).toBe('unspecified')
  })
})

describe('checkTarget', () => {
  it('should let a public literal such as 93.184.216.34 pass without a DNS lookup', async () => {
    expect(await checkTarget('https://93.184.216.34/hook', { ...GUARDED, resolve: noDns })).toEqual({ kind: 'allowed', address: null })
    expect(await checkTarget('http://[2606:2800:220:1:248:1893:25c8:1946]:8443/h', { ...GUARDED, resolve: noDns })).toEqual({
      kind: 'allowed',
      address: null,
    })
  })

  it.each([
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0.0.0.0:3000/', 'unspecified'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://10.0.0.5/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['http://100.64.1.1/', 'carrier-grade NAT'],
    ['http://[::1]:8080/', 'loopback'],
    ['http://[::]/', 'unspecified'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fd00::1]/', 'unique-local'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'link-local'],
    ['http://[64:ff9b::127.0.0.1]/', 'NAT64-wrapped loopback'],
    ['http://[64:ff9b::169.254.169.254]/latest/meta-data/', 'NAT64-wrapped link-local'],
    ['http://[2002:a00:1::]:8080/', '6to4-wrapped private'],
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'Teredo-wrapped loopback'],
  ])('should refuse the literal target %s (%s) without a DNS lookup', async (url, label) => {
    const verdict = await checkTarget(url, { ...GUARDED, resolve: noDns })
    expect(verdict.kind).toBe('refused')
    expect(verdict.kind === 'refused' && verdict.reason).toContain(label)
  })

  it('should refuse a hostname that resolves to 127.0.0.1 (localhost, through the system resolver)', async () => {
    expect(await checkTarget('http://localhost:3000/hook', GUARDED)).toEqual({
      kind: 'refused',
      reason: 'localhost resolves to a loopback address',
    })
  })

  it('should refuse a name when ANY of its addresses is private, and not reveal the address', async () => {
    const resolve = fixed({
      'mixed.example': ['93.184.216.34', '10.0.0.7'],
      'mapped.example': ['::ffff:169.254.169.254'],
      'public.example': ['93.184.216.34', '2606:2800:220:1::1'],
    })
    const mixed = await checkTarget('https://mixed.example/h', { ...GUARDED, resolve })
    expect(mixed).toEqual({ kind: 'refused', reason: 'mixed.example resolves to a private (RFC 1918) address' })
    expect(JSON.stringify(mixed)).not.toContain('10.0.0.7')
    expect(await checkTarget('https://mapped.example/h', { ...GUARDED, resolve })).toEqual({
      kind: 'refused',
      reason: 'mapped.example resolves to a link-local address',
    })
    expect(await checkTarget('https://public.example/h', { ...GUARDED, resolve })).toEqual({ kind: 'allowed', address: '93.184.216.34' })
  })

  it('should judge a DNS64-synthesised answer by the IPv4 it carries', async () => {
    const resolve = fixed({ 'nat64-private.example': ['64:ff9b::a00:7'], 'nat64-public.example': ['64:ff9b::5db8:d822'] })
    expect(await checkTarget('https://nat64-private.example/h', { ...GUARDED, resolve })).toEqual({
      kind: 'refused',
      reason: 'nat64-private.example resolves to a NAT64-wrapped private (RFC 1918) address',
    })
    expect(await checkTarget('https://nat64-public.example/h', { ...GUARDED, resolve })).toEqual({
      kind: 'allowed',
      address: '64:ff9b::5db8:d822',
    })
  })

  it('should answer unresolved (not refused, not allowed) when DNS fails or does not answer in time', async () => {
    expect(await checkTarget('https://nowhere.example/h', { ...GUARDED, resolve: fixed({}) })).toEqual({
      kind: 'unresolved',
      reason: 'DNS lookup of nowhere.example failed: ENOTFOUND',
    })
    expect(await checkTarget('https://empty.example/h', { ...GUARDED, resolve: fixed({ 'empty.example': [] }) })).toMatchObject({
      kind: 'unresolved',
    })
    const started = Date.now()
    const hung = await checkTarget('https://slow.example/h', { allowPrivate: false, timeoutMs: 100, resolve: () => new Promise(() => {}) })
    expect(hung).toEqual({ kind: 'unresolved', reason: 'DNS lookup of slow.example failed: no answer within 100 ms' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('should allow every target, without resolving anything, when private targets are allowed', async () => {
    for (const url of [
      'http://127.0.0.1:1/h',
      'http://[::ffff:127.0.0.1]/',
      'http://[64:ff9b::127.0.0.1]/',
      'http://[2002:7f00:1::]/',
      'http://localhost/',
      'http://169.254.169.254/',
    ]) {
      expect(await checkTarget(url, { allowPrivate: true, timeoutMs: 1000, resolve: noDns })).toEqual({ kind: 'allowed', address: null })
    }
  })
})

describe('WEBHOOK_ALLOW_PRIVATE_TARGETS', () => {
  it('should be off by default and read as a boolean', () => {
    expect(loadConfig({}).webhookAllowPrivateTargets).toBe(false)
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }).webhookAllowPrivateTargets).toBe(true)
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' })).toThrow('WEBHOOK_ALLOW_PRIVATE_TARGETS must be true or false')
  })

  it('should make a refused attempt a permanent failure, never a retry', () => {
    expect(classifyAttempt({ statusCode: null, refused: true })).toBe('permanent')
    expect(classifyAttempt({ statusCode: null })).toBe('retry')
  })
})
