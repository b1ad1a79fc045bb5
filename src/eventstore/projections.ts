// Inline projections: read-model updaters run inside the append transaction, and rebuilt by replaying the log.
import type { Db } from '../db/connection'
import type { StoredEvent } from './types'

export type Projection = {
  name: string
  // Tables this projection owns: emptied before a rebuild.
  tables: string[]
  apply: (db: Db, event: StoredEvent) => void
}
