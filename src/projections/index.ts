// Every inline projection, in the order they run inside the append transaction.
import type { Projection } from '../eventstore/projections'

export const allProjections: Projection[] = []
