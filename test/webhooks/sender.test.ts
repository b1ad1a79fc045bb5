// A delivery to a URL with a host name connects to the address the SSRF guard checked: fetch never looks the name up
// a second time, which DNS rebinding could answer with a private address. The endpoint still sees its own name: the
// Host header, and for HTTPS the SNI and the certificate check.
// test/fixtures/tls: a CA and a certificate for hooks.example.test it signed (openssl, valid until 2126).
import { describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { testEnvelope } from '../../src/webhooks/envelope'
import { sendEnvelope } from '../../src/webhooks/sender'
import { resolveTarget } from '../../src/webhooks/target-guard'
import { webhookRow } from '../fixtures/webhook-row'
import { startReceiver, stopAfterEach, verifySignature } from './receiver'

const stopAfterTest = stopAfterEach()
const TLS = join(import.meta.dir, '../fixtures/tls')

// Only the test's resolver knows these names: a lookup by fetch itself would fail.
function resolverFor(answers: Record<string, string[]>) {
  const asked: string[] = []
  const resolve = async (host: string) => {
    asked.push(host)
    const answer = answers[host]
    if (!answer) throw Object.assign(new Error(`no such name ${host}`), { code: 'ENOTFOUND' })
    return answer
  }
  return { asked, resolve }
}

const send = (url: string, resolve: (host: string) => Promise<string[]>, allowPrivateTargets = true) => {
  const sub = webhookRow(url)
  return sendEnvelope(sub, testEnvelope(sub.id, sub.orgId, Date.now()), {
    timeoutMs: 2000,
    nowMs: Date.now,
    abort: new AbortController().signal,
    allowPrivateTargets,
    resolve,
  })
}

describe('resolveTarget', () => {
  it('should choose among the checked addresses, IPv4 first', async () => {
    const { resolve } = resolverFor({ 'dual.example': ['2606:2800:220:1::1', '93.184.216.34'], 'v6.example': ['2606:2800:220:1::1'] })
    const options = { allowPrivate: false, timeoutMs: 1000, resolve }
    expect(await resolveTarget('https://dual.example/h', options)).toEqual({ kind: 'allowed', address: '93.184.216.34' })
    expect(await resolveTarget('https://v6.example/h', options)).toEqual({ kind: 'allowed', address: '2606:2800:220:1::1' })
    expect(await resolveTarget('https://93.184.216.34/h', options)).toEqual({ kind: 'allowed', address: null })
  })

  it('should still look a name up when private targets are allowed (the delivery connects to what it found)', async () => {
    const { asked, resolve } = resolverFor({ 'lan.example': ['192.168.1.20'] })
    expect(await resolveTarget('http://lan.example/h', { allowPrivate: true, timeoutMs: 1000, resolve })).toEqual({
      kind: 'allowed',
      address: '192.168.1.20',
    })
    expect(asked).toEqual(['lan.example'])
  })
})

describe('a delivery to a URL with a host name', () => {
  it('should connect to the address the guard resolved, once per attempt, and send the name as Host', async () => {
    const receiver = startReceiver()
    stopAfterTest(receiver.stop)
    const port = new URL(receiver.url).port
    const { asked, resolve } = resolverFor({ 'hooks.example.test': ['127.0.0.1'] })

    const result = await send(`http://hooks.example.test:${port}/hook`, resolve)

    expect(result).toMatchObject({ statusCode: 200, error: null })
    expect(asked).toEqual(['hooks.example.test'])
    const [request] = receiver.received
    expect(request?.headers.get('host')).toBe(`hooks.example.test:${port}`)
    expect(verifySignature(webhookRow('').secret, request?.headers ?? new Headers(), request?.body ?? '')).toBe(true)
  })

  it('should send nothing when the name cannot be resolved, and say so', async () => {
    const { resolve } = resolverFor({})
    expect(await send('http://gone.example.test/hook', resolve)).toMatchObject({
      statusCode: null,
      error: 'DNS lookup of gone.example.test failed: ENOTFOUND',
    })
  })

  describe('over HTTPS (a child process that trusts the test CA)', () => {
    const server = () => {
      const tls = { cert: Bun.file(join(TLS, 'hooks.pem')), key: Bun.file(join(TLS, 'hooks.key')) }
      const hosts: (string | null)[] = []
      const listener = Bun.serve({
        port: 0,
        hostname: '127.0.0.1',
        tls,
        fetch: (request) => {
          hosts.push(request.headers.get('host'))
          return new Response('ok')
        },
      })
      stopAfterTest(() => listener.stop(true))
      return { port: listener.port, hosts }
    }
    const sendFromChild = async (url: string, address: string) => {
      const child = Bun.spawn(['bun', join(import.meta.dir, '../fixtures/pinned-send.ts'), url, address], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(TLS, 'ca.pem') },
        stdout: 'pipe',
        stderr: 'inherit',
      })
      const output = await new Response(child.stdout).text()
      await child.exited
      return JSON.parse(output) as { statusCode: number | null; error: string | null }
    }

    it('should check the certificate against the name, not the address it connects to', async () => {
      const { port, hosts } = server()
      expect(await sendFromChild(`https://hooks.example.test:${port}/hook`, '127.0.0.1')).toMatchObject({ statusCode: 200, error: null })
      expect(hosts).toEqual([`hooks.example.test:${port}`])
    })

    it('should refuse a certificate that does not name the host, whatever the address', async () => {
      const { port, hosts } = server()
      const result = await sendFromChild(`https://other.example.test:${port}/hook`, '127.0.0.1')
      expect(result.statusCode).toBeNull()
      expect(result.error).toContain('ERR_TLS_CERT_ALTNAME_INVALID')
      expect(hosts).toEqual([])
    })
  })
})
