// The PostgreSQL migrations (drizzle/pg/), embedded as text like the SQLite ones so `bun build --compile` carries them.
import journal from '../../../drizzle/pg/meta/_journal.json'
import m0000 from '../../../drizzle/pg/0000_event_store.sql' with { type: 'text' }
import m0001 from '../../../drizzle/pg/0001_append_only.sql' with { type: 'text' }
import m0002 from '../../../drizzle/pg/0002_shared_memory.sql' with { type: 'text' }
import m0003 from '../../../drizzle/pg/0003_read_models.sql' with { type: 'text' }
import m0004 from '../../../drizzle/pg/0004_collective_keys.sql' with { type: 'text' }
import m0005 from '../../../drizzle/pg/0005_lock_name.sql' with { type: 'text' }
import m0006 from '../../../drizzle/pg/0006_unified_temp_keys.sql' with { type: 'text' }
import m0007 from '../../../drizzle/pg/0007_backfill_door_created_at.sql' with { type: 'text' }
import m0008 from '../../../drizzle/pg/0008_query_order.sql' with { type: 'text' }
import m0009 from '../../../drizzle/pg/0009_door_order.sql' with { type: 'text' }
import m0010 from '../../../drizzle/pg/0010_operational.sql' with { type: 'text' }
import { embeddedMigrations, type Migration } from '../migrations'

const embeddedSql: Record<string, string> = {
  '0000_event_store': m0000,
  '0001_append_only': m0001,
  '0002_shared_memory': m0002,
  '0003_read_models': m0003,
  '0004_collective_keys': m0004,
  '0005_lock_name': m0005,
  '0006_unified_temp_keys': m0006,
  '0007_backfill_door_created_at': m0007,
  '0008_query_order': m0008,
  '0009_door_order': m0009,
  '0010_operational': m0010,
}

export const pgMigrations: Migration[] = embeddedMigrations(journal, embeddedSql, 'src/db/pg/migrations.ts')
