// Every inline projection, in the order they run inside the append transaction.
import type { Projection } from '../eventstore/projections'
import { orgsProjection } from './orgs'
import { usersProjection } from './users'

export const allProjections: Projection[] = [orgsProjection, usersProjection]
