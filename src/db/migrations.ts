// Migrations embedded as text so `bun build --compile` carries them; test/db/migrations.test.ts keeps this list equal to drizzle/.
import { createHash } from 'node:crypto'
import journal from '../../drizzle/meta/_journal.json'
import m0000 from '../../drizzle/0000_init.sql' with { type: 'text' }
import m0001 from '../../drizzle/0001_append_only.sql' with { type: 'text' }
import m0002 from '../../drizzle/0002_vault_drivers_webhooks.sql' with { type: 'text' }
import m0003 from '../../drizzle/0003_login_links.sql' with { type: 'text' }
import m0004 from '../../drizzle/0004_revoked_sessions.sql' with { type: 'text' }
import m0005 from '../../drizzle/0005_lean_write_path.sql' with { type: 'text' }
import m0006 from '../../drizzle/0006_webhook_previous_secret.sql' with { type: 'text' }
import m0007 from '../../drizzle/0007_decision_rows.sql' with { type: 'text' }
import m0008 from '../../drizzle/0008_paged_lists.sql' with { type: 'text' }
import m0009 from '../../drizzle/0009_temp_key_entered_emails.sql' with { type: 'text' }
import m0010 from '../../drizzle/0010_user_emails.sql' with { type: 'text' }
import m0011 from '../../drizzle/0011_site_admins.sql' with { type: 'text' }
import m0012 from '../../drizzle/0012_desk_index.sql' with { type: 'text' }
import m0013 from '../../drizzle/0013_collective_keys.sql' with { type: 'text' }
import m0014 from '../../drizzle/0014_lock_name.sql' with { type: 'text' }
import m0015 from '../../drizzle/0015_unified_temp_keys.sql' with { type: 'text' }
import m0016 from '../../drizzle/0016_backfill_door_created_at.sql' with { type: 'text' }

export const embeddedSql: Record<string, string> = {
  '0000_init': m0000,
  '0001_append_only': m0001,
  '0002_vault_drivers_webhooks': m0002,
  '0003_login_links': m0003,
  '0004_revoked_sessions': m0004,
  '0005_lean_write_path': m0005,
  '0006_webhook_previous_secret': m0006,
  '0007_decision_rows': m0007,
  '0008_paged_lists': m0008,
  '0009_temp_key_entered_emails': m0009,
  '0010_user_emails': m0010,
  '0011_site_admins': m0011,
  '0012_desk_index': m0012,
  '0013_collective_keys': m0013,
  '0014_lock_name': m0014,
  '0015_unified_temp_keys': m0015,
  '0016_backfill_door_created_at': m0016,
}

export type Migration = { tag: string; sql: string[]; bps: boolean; folderMillis: number; hash: string }

type Journal = { entries: { tag: string; when: number; breakpoints: boolean }[] }

// One dialect's migrations in journal order, each from its embedded text (shared with src/db/pg/migrations.ts).
export function embeddedMigrations(journal: Journal, embedded: Record<string, string>, where: string): Migration[] {
  return journal.entries.map((entry) => {
    const query = embedded[entry.tag]
    if (query === undefined) throw new Error(`migration ${entry.tag} is not embedded in ${where}`)
    return {
      tag: entry.tag,
      sql: query.split('--> statement-breakpoint'),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: createHash('sha256').update(query).digest('hex'),
    }
  })
}

export const migrations: Migration[] = embeddedMigrations(journal, embeddedSql, 'src/db/migrations.ts')
