// The conformance suite, once per backend: the coverage table is checked against the app's routes, every check runs
// against a real app instance and is validated against docs/reference/smartphonekey-openapi.json, and spkey's own
// OpenAPI is diffed against the reference. Every backend must reach the same outcome on every check, and
// docs/conformance.md must equal what the SQLite run generates (CONFORMANCE_WRITE=1, set by
// `npm run conformance:report`, writes it instead).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Backend, BACKENDS } from '../support/context'
import { ALL_CHECKS } from './checks'
import { type Check, checkId, createHarness, type Harness } from './harness'
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
// What one backend's run found: each check's outcome and spkey's OpenAPI diff.
type Run = { outcomes: Map<string, Outcome>; diff?: Difference[] }
const runs = new Map<Backend, Run>()
// docs/conformance.md comes from this backend's run; every other backend must agree with it check by check, so the
// file is the same whichever produced it.
const REPORTED: Backend = 'sqlite'

const isImplemented = (key: string) => ['implemented', 'partly'].includes(OPERATIONS[key]?.status ?? '')
const checksOf = (key: string) => ALL_CHECKS.filter((c) => c.op === key)
const passed = (o: Outcome | undefined) => o !== undefined && o.problems.length === 0

async function runCheck(h: Harness, check: Check): Promise<string[]> {
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
})

const groups = new Map<string, Check[]>()
for (const c of ALL_CHECKS) groups.set(c.op, [...(groups.get(c.op) ?? []), c])

for (const backend of BACKENDS) {
  describe(`on ${backend}`, () => {
    const run: Run = { outcomes: new Map() }
    runs.set(backend, run)
    let h: Harness
    let routeKeys: Set<string>
    const hasRoute = (key: string) => {
      const { method, path } = documented(key)
      return routeKeys.has(opKey(method, pathShape(path)))
    }
    // Hooks do not take bunfig's timeout (bun keeps 5 s for them), and the first PostgreSQL context starts the
    // throwaway cluster, which can take longer than that on a busy machine.
    beforeAll(async () => {
      h = await createHarness(backend)
      routeKeys = new Set(h.ctx.app.routes.map((r) => opKey(r.method, pathShape(r.path))))
    }, 30_000)
    afterAll(() => h.close())

    describe('coverage table vs the routes', () => {
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

      it('covers every seed operation that has a route', () => {
        const uncovered = SEED_OPERATIONS.filter((k) => hasRoute(k) && checksOf(k).length === 0)
        expect(uncovered).toEqual([])
      })
    })

    for (const [op, checks] of groups) {
      describe(op, () => {
        for (const check of checks) {
          it(`${check.status} ${check.name}`, async () => {
            const problems = await runCheck(h, check)
            run.outcomes.set(checkId(check), { check, problems })
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
        run.diff = diffSwagger(
          res.json,
          documentedOperations.filter((o) => isImplemented(o.key)).map((o) => o.key),
        )
        expect(run.diff.filter((d) => !d.reason).map((d) => `${d.op} | ${d.difference}`)).toEqual([])
        expect(staleReasons(run.diff)).toEqual([])
      })
    })
  })
}

// A run that did not reach every check (bun test -t ...) cannot judge the whole.
const complete = (run: Run | undefined): run is Required<Run> => run?.outcomes.size === ALL_CHECKS.length && run.diff !== undefined

describe('the backends', () => {
  it(`agree with ${REPORTED} on every check's outcome and on the OpenAPI diff`, () => {
    const reported = runs.get(REPORTED)
    for (const [backend, run] of runs) {
      if (backend === REPORTED || !complete(run) || !complete(reported)) continue
      const differing = ALL_CHECKS.map(checkId)
        .filter((id) => passed(run.outcomes.get(id)) !== passed(reported.outcomes.get(id)))
        .map((id) => `${id}: ${passed(run.outcomes.get(id)) ? 'passes' : 'fails'} on ${backend}`)
      expect(differing).toEqual([])
      expect(run.diff).toEqual(reported.diff)
    }
  })
})

describe('coverage table vs check results', () => {
  it('marks an operation "partly" exactly when some of its checks fail', () => {
    const reported = runs.get(REPORTED)
    if (!complete(reported)) return
    const wrong: string[] = []
    for (const o of documentedOperations.filter((d) => isImplemented(d.key))) {
      const failing = checksOf(o.key).filter((c) => (reported.outcomes.get(checkId(c))?.problems.length ?? 0) > 0).length
      const status = OPERATIONS[o.key]?.status
      if (failing > 0 && status === 'implemented') wrong.push(`${o.key}: ${failing} failing checks, marked implemented (mark it partly)`)
      if (failing === 0 && status === 'partly') wrong.push(`${o.key}: every check passes, marked partly (mark it implemented)`)
    }
    expect(wrong).toEqual([])
  })
})

describe(REPORT_PATH, () => {
  it('is what `npm run conformance:report` generates', () => {
    const reported = runs.get(REPORTED)
    if (!complete(reported)) return
    const report = renderReport(ALL_CHECKS, reported.outcomes, reported.diff)
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
