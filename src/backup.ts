// Online, consistent backups (VACUUM INTO reads one snapshot while writers go on) and restore into a stopped
// server's database file.
import { Database } from 'bun:sqlite'
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import type { Db } from './db/connection'

export function backupTo(db: Db, outFile: string): { events: number; bytes: number } {
  if (existsSync(outFile)) throw new Error(`${outFile} already exists; choose a new file`)
  db.$client.query('VACUUM INTO ?').run(outFile)
  const copy = new Database(outFile, { readonly: true })
  try {
    const check = copy.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()
    if (check?.integrity_check !== 'ok') throw new Error(`backup failed its integrity check: ${check?.integrity_check}`)
    const events = copy.query<{ n: number }, []>('SELECT count(*) AS n FROM events').get()?.n ?? 0
    return { events, bytes: Bun.file(outFile).size }
  } finally {
    copy.close()
  }
}

// Refuses while another process holds the database (a running server), and never leaves a half-copied file.
export function restoreFrom(backupFile: string, databasePath: string): { events: number } {
  const source = new Database(backupFile, { readonly: true })
  const check = source.query<{ integrity_check: string }, []>('PRAGMA integrity_check').get()
  const events = source.query<{ n: number }, []>('SELECT count(*) AS n FROM events').get()?.n ?? 0
  source.close()
  if (check?.integrity_check !== 'ok') throw new Error(`${backupFile} is not a healthy spkey database`)
  if (serverPid(databasePath) !== null) throw new Error('a server is running on this database; stop it before restoring')
  const staging = `${databasePath}.restoring`
  copyFileSync(backupFile, staging)
  for (const suffix of ['-wal', '-shm']) rmSync(`${databasePath}${suffix}`, { force: true })
  renameSync(staging, databasePath)
  return { events }
}

// The serving process marks its database with a pid file, so offline tools can refuse to pull it away.
const pidFile = (databasePath: string) => `${databasePath}.pid`

export function markServing(databasePath: string): () => void {
  writeFileSync(pidFile(databasePath), String(process.pid))
  return () => rmSync(pidFile(databasePath), { force: true })
}

export function serverPid(databasePath: string): number | null {
  if (!existsSync(pidFile(databasePath))) return null
  const pid = Number(readFileSync(pidFile(databasePath), 'utf8'))
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    return null
  }
}
