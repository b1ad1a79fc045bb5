// The PostgreSQL deployment as documented, checked without Docker: docs/deploy/compose.yaml's services, the
// Caddyfile's upstreams, and every environment variable the README's "Running on PostgreSQL" and those files name
// being one that src/config.ts reads.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Type as T } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'bun:test'
import { loadConfig } from '../../src/config'

const ROOT = join(import.meta.dir, '../..')
const DEPLOY = join(ROOT, 'docs/deploy')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')

// Only the parts of a compose file this test reads; everything else may be there too.
const Service = T.Object({
  image: T.Optional(T.String()),
  build: T.Optional(T.Object({ context: T.String(), dockerfile: T.String() })),
  environment: T.Optional(T.Record(T.String(), T.String())),
  ports: T.Optional(T.Array(T.String())),
  volumes: T.Optional(T.Array(T.String())),
  depends_on: T.Optional(T.Union([T.Array(T.String()), T.Record(T.String(), T.Object({ condition: T.String() }))])),
  healthcheck: T.Optional(T.Object({ test: T.Array(T.String()) })),
})
const Compose = T.Object({ services: T.Record(T.String(), Service), volumes: T.Optional(T.Record(T.String(), T.Null())) })

function compose() {
  const parsed: unknown = Bun.YAML.parse(read('docs/deploy/compose.yaml'))
  if (!Value.Check(Compose, parsed))
    throw new Error(`compose.yaml: ${[...Value.Errors(Compose, parsed)].map((e) => `${e.path} ${e.message}`)}`)
  const services = Object.entries(parsed.services)
  const spkey = services.filter(([, service]) => service.build?.dockerfile === 'docs/deploy/Dockerfile')
  const proxy = services.filter(([, service]) => service.ports?.includes('8080:8080'))
  return { ...parsed, spkey, proxy }
}

function readmeSection(title: string): string {
  const readme = read('README.md')
  const start = readme.indexOf(`\n## ${title}\n`)
  if (start < 0) throw new Error(`README.md has no section "${title}"`)
  const end = readme.indexOf('\n## ', start + 1)
  return readme.slice(start, end < 0 ? undefined : end)
}

// Upper-case names with an underscore (JWT_SECRET) or assigned in a command (PORT=3001).
function envNames(text: string): Set<string> {
  const names = [...text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((m) => m[0])
  const assigned = [...text.matchAll(/\b([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1] ?? '')
  return new Set([...names, ...assigned])
}

// What loadConfig reads: `env.NAME` and the helpers' `(env, 'NAME', ...)`.
const configNames = new Set(
  [...read('src/config.ts').matchAll(/env\.([A-Z][A-Z0-9_]*)|env, '([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1] ?? m[2] ?? ''),
)

// Named in the section but not spkey's: psql's variable in the restore step.
const NOT_SPKEY = new Set(['ON_ERROR_STOP'])

describe('docs/deploy/compose.yaml', () => {
  it('should run PostgreSQL 13+ with a volume and a healthcheck', () => {
    const { services, volumes } = compose()
    const postgres = services.postgres
    expect(Number(/^postgres:(\d+)/.exec(postgres?.image ?? '')?.[1])).toBeGreaterThanOrEqual(13)
    const data = postgres?.volumes?.find((volume) => volume.endsWith(':/var/lib/postgresql/data'))
    expect(Object.keys(volumes ?? {})).toContain(data?.split(':')[0] ?? '')
    expect(postgres?.healthcheck?.test.join(' ')).toContain('pg_isready')
  })

  it('should build two spkey processes from docs/deploy/Dockerfile, on PostgreSQL once it is healthy', () => {
    const { spkey } = compose()
    expect(spkey).toHaveLength(2)
    for (const [, service] of spkey) {
      expect(existsSync(join(DEPLOY, service.build?.context ?? '', service.build?.dockerfile ?? ''))).toBe(true)
      const config = loadConfig(service.environment)
      expect(config.databaseUrl).toStartWith('postgres://')
      expect(new URL(config.databaseUrl ?? '').hostname).toBe('postgres')
      expect(config.publicUrl).toBe('http://localhost:8080')
      expect(config.trustedProxyHops).toBe(1)
      expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' } })
    }
  })

  it('should publish the proxy on 8080 with the Caddyfile beside it', () => {
    const { proxy } = compose()
    expect(proxy).toHaveLength(1)
    const mounted = proxy[0]?.[1].volumes?.find((volume) => volume.includes(':/etc/caddy/Caddyfile'))
    expect(existsSync(join(DEPLOY, mounted?.split(':')[0] ?? ''))).toBe(true)
  })
})

describe('docs/deploy/Caddyfile', () => {
  it('should listen on 8080 and balance over both spkey processes at their port', () => {
    const { spkey } = compose()
    const caddyfile = read('docs/deploy/Caddyfile')
    expect(caddyfile).toMatch(/^:8080 \{$/m)
    const upstreams = /^\s*reverse_proxy ([^{\n]+)/m.exec(caddyfile)?.[1]?.trim().split(/\s+/)
    const expected = spkey.map(([name, service]) => `${name}:${loadConfig(service.environment).port}`)
    expect(upstreams?.sort()).toEqual(expected.sort())
  })
})

describe('the environment variables of the PostgreSQL deployment docs', () => {
  it('should all be read by src/config.ts', () => {
    expect(configNames).toContain('DATABASE_URL')
    expect(configNames).toContain('PG_POOL_SIZE')
    const section = envNames(readmeSection('Running on PostgreSQL'))
    expect(section).toContain('PG_POOL_SIZE')
    const named = [
      ...section,
      ...envNames(read('docs/deploy/Caddyfile')),
      ...compose().spkey.flatMap(([, s]) => Object.keys(s.environment ?? {})),
    ]
    expect(named.filter((name) => !configNames.has(name) && !NOT_SPKEY.has(name))).toEqual([])
  })
})
