// The conformance suite: the coverage table is checked against the app's routes, every check runs against a real
// app instance and is validated against docs/reference/smartphonekey-openapi.json, spkey's own OpenAPI is diffed
// against the reference, and docs/conformance.md must equal what this run generates (CONFORMANCE_WRITE=1, set by
// `npm run conformance:report`, writes it instead).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'bun:test'
import { ALL_CHECKS } from './checks'
import { type Check, checkId, createHarness } from './harness'
import {
  KNOWN_MISMATCH_PATTERNS,
  KNOWN_MISMATCHES,
  knownMismatch,
  NOT_PROVOKED,
  notProvokedReason,
  OPERATIONS,
  RELAXED_REQUIRED,
  REQUEST_OVERRIDES,
  SERVER_SET_FIELDS,
} from './operations'
import { documented, documentedOperations, documentedStatuses, opKey, pathShape } from './reference'
import { type Outcome, REPORT_PATH, renderReport, SEED_OPERATIONS } from './render'
import { type Difference, diffSwagger, staleReasons } from './swagger-diff'
import { detailsProblems, validateResponse } from './validate'

const root = join(import.meta.dir, '..', '..')
const h = createHarness()
const outcomes = new Map<string, Outcome>()
let diff: Difference[] | undefined

const routeKeys = new Set(h.ctx.app.routes.map((r) => opKey(r.method, pathShape(r.path))))
const hasRoute = (key: string) => {
  const { method, path } = documented(key)
  return routeKeys.has(opKey(method, pathShape(path)))
}
const isImplemented = (key: string) => ['implemented', 'partly'].includes(OPERATIONS[key]?.status ?? '')
const checksOf = (key: string) => ALL_CHECKS.filter((c) => c.op === key)

async function runCheck(check: Check): Promise<string[]> {
  h.reset()
  let res: Awaited<ReturnType<Check['run']>>
  try {
    res = await check.run(h)
  } catch (error) {
    return [`the check threw: ${error instanceof Error ? error.message : String(error)}`]
  }
  const problems = validateResponse(check.op, check.status, res)
  if (res.status === check.status) {
    if (check.details && res.status === 400) problems.push(...detailsProblems(res, check.details))
    if (check.verify) problems.push(...(await check.verify(res, h)))
  }
  return problems
}

describe('coverage table (test/conformance/operations.ts)', () => {
  it('lists every documented operation exactly once, and nothing else', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(documentedOperations.map((o) => o.key).sort())
  })

  it('marks implemented only operations the app routes', () => {
    const missing = documentedOperations.filter((o) => isImplemented(o.key) && !hasRoute(o.key)).map((o) => o.key)
    expect(missing).toEqual([])
  })

  it('marks every routed documented operation implemented or partly', () => {
    const unmarked = documentedOperations
      .filter((o) => hasRoute(o.key) && !isImplemented(o.key))
      .map((o) => `${o.key} (${OPERATIONS[o.key]?.status})`)
    expect(unmarked).toEqual([])
  })

  it('has a successful call and a check for every documented status of each implemented operation', () => {
    const gaps: string[] = []
    for (const o of documentedOperations.filter((d) => isImplemented(d.key))) {
      const statuses = new Set(checksOf(o.key).map((c) => c.status))
      if (![...statuses].some((s) => s < 400)) gaps.push(`${o.key}: no successful call`)
      for (const s of documentedStatuses(o.key)) {
        if (!statuses.has(s) && !notProvokedReason(o.key, s))
          gaps.push(`${o.key}: documented ${s} neither checked nor explained (NOT_PROVOKED)`)
      }
    }
    expect(gaps).toEqual([])
  })

  it('has checks only for documented, implemented operations, with unique names', () => {
    const stray = [...new Set(ALL_CHECKS.filter((c) => !isImplemented(c.op)).map((c) => c.op))]
    expect(stray).toEqual([])
    const ids = ALL_CHECKS.map(checkId)
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([])
  })

  it('keeps its exception lists about implemented operations and existing checks', () => {
    const ids = new Set(ALL_CHECKS.map(checkId))
    const stale = [
      ...Object.keys(KNOWN_MISMATCHES).filter((id) => !ids.has(id)),
      ...Object.keys(SERVER_SET_FIELDS).filter((op) => !isImplemented(op)),
      ...Object.keys(RELAXED_REQUIRED).filter((op) => !isImplemented(op)),
      ...Object.entries(REQUEST_OVERRIDES).flatMap(([op, cases]) => Object.keys(cases).filter((name) => !ids.has(`${op} :: ${name}`))),
      ...KNOWN_MISMATCH_PATTERNS.filter((p) => ![...ids].some((id) => p.pattern.test(id))).map((p) => String(p.pattern)),
      ...Object.entries(NOT_PROVOKED).flatMap(([op, statuses]) =>
        Object.keys(statuses)
          .filter((s) => !isImplemented(op) || ALL_CHECKS.some((c) => c.op === op && c.status === Number(s)))
          .map((s) => `${op} ${s}`),
      ),
    ]
    expect(stale).toEqual([])
  })

  it('covers every seed operation that has a route', () => {
    const uncovered = SEED_OPERATIONS.filter((k) => hasRoute(k) && checksOf(k).length === 0)
    expect(uncovered).toEqual([])
  })
})

const groups = new Map<string, Check[]>()
for (const c of ALL_CHECKS) groups.set(c.op, [...(groups.get(c.op) ?? []), c])

for (const [op, checks] of groups) {
  describe(op, () => {
    for (const check of checks) {
      it(`${check.status} ${check.name}`, async () => {
        const problems = await runCheck(check)
        outcomes.set(checkId(check), { check, problems })
        const known = knownMismatch(checkId(check))
        if (known) {
          // A known mismatch must still fail; once fixed, remove it from KNOWN_MISMATCHES.
          expect(problems.length > 0 ? 'still failing' : 'now passes: remove it from KNOWN_MISMATCHES').toBe('still failing')
        } else {
          expect(problems).toEqual([])
        }
      })
    }
  })
}

describe("spkey's OpenAPI (GET /swagger/json) vs the reference", () => {
  it('differs only where a reason is recorded (SWAGGER_DIFFERENCES)', async () => {
    const res = await h.call('GET', '/swagger/json')
    expect(res.status).toBe(200)
    diff = diffSwagger(
      res.json,
      documentedOperations.filter((o) => isImplemented(o.key)).map((o) => o.key),
    )
    expect(diff.filter((d) => !d.reason).map((d) => `${d.op} | ${d.difference}`)).toEqual([])
    expect(staleReasons(diff)).toEqual([])
  })
})

describe('coverage table vs check results', () => {
  it('marks an operation "partly" exactly when some of its checks fail', () => {
    if (outcomes.size !== ALL_CHECKS.length) return // a filtered run cannot judge
    const wrong: string[] = []
    for (const o of documentedOperations.filter((d) => isImplemented(d.key))) {
      const failing = checksOf(o.key).filter((c) => (outcomes.get(checkId(c))?.problems.length ?? 0) > 0).length
      const status = OPERATIONS[o.key]?.status
      if (failing > 0 && status === 'implemented') wrong.push(`${o.key}: ${failing} failing checks, marked implemented (mark it partly)`)
      if (failing === 0 && status === 'partly') wrong.push(`${o.key}: every check passes, marked partly (mark it implemented)`)
    }
    expect(wrong).toEqual([])
  })
})

describe(REPORT_PATH, () => {
  it('is what `npm run conformance:report` generates', () => {
    if (outcomes.size !== ALL_CHECKS.length || !diff) {
      // A filtered run (bun test -t ...) cannot judge the whole report.
      return
    }
    const report = renderReport(ALL_CHECKS, outcomes, diff)
    const file = join(root, REPORT_PATH)
    if (process.env.CONFORMANCE_WRITE === '1') {
      writeFileSync(file, report)
      return
    }
    let current = ''
    try {
      current = readFileSync(file, 'utf8')
    } catch {}
    expect(current === report ? 'up to date' : `${REPORT_PATH} is stale: run npm run conformance:report`).toBe('up to date')
  })
})
