// Every conformance check, grouped by resource. Checks for an operation the coverage table does not (yet) mark
// implemented or partly are left out; the coverage-table tests say when a route has landed and the mark is due.
import type { Check } from '../harness'
import { OPERATIONS } from '../operations'
import { collectiveKeyChecks } from './collective-keys'
import { lockChecks } from './locks'
import { physicalKeyChecks } from './physical-keys'
import { tempKeyChecks } from './temp-keys'
import { userChecks } from './users'

export const WRITTEN_CHECKS: Check[] = [...physicalKeyChecks, ...tempKeyChecks, ...collectiveKeyChecks, ...lockChecks, ...userChecks]

export const ALL_CHECKS: Check[] = WRITTEN_CHECKS.filter((c) => ['implemented', 'partly'].includes(OPERATIONS[c.op]?.status ?? ''))
