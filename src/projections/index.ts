// Every inline projection, in the order they run inside the append transaction.
import type { Projection } from '../eventstore/projections'
import { collectiveKeysProjection } from './collective-keys'
import { locksProjection } from './locks'
import { orgsProjection } from './orgs'
import { partnerEventsProjection } from './partner-events'
import { usersProjection } from './users'

// partner-events first: it reads rows (a removed key's issuer) that the others are about to change.
export const allProjections: Projection[] = [
  partnerEventsProjection,
  orgsProjection,
  usersProjection,
  locksProjection,
  collectiveKeysProjection,
]
