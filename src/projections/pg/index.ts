// Every PostgreSQL inline projection, in the order of ../index.ts: partner-events first, while a removed physical
// key's row still names its issuer.
import type { PgProjection } from '../../eventstore/pg-store'
import { collectiveKeysPgProjection } from './collective-keys'
import { locksPgProjection } from './locks'
import { orgsPgProjection } from './orgs'
import { partnerEventsPgProjection } from './partner-events'
import { usersPgProjection } from './users'

export const allPgProjections: PgProjection[] = [
  partnerEventsPgProjection,
  orgsPgProjection,
  usersPgProjection,
  locksPgProjection,
  collectiveKeysPgProjection,
]
