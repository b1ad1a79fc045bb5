// The WAL file does not stay at its high-water mark: once writes pause, a truncating checkpoint empties it.
import { describe, expect, it } from 'bun:test'
import { statSync } from 'node:fs'
import { openDatabase } from '../../src/db/connection'
import { truncateWalWhenIdle } from '../../src/db/wal'
import { CommandHandler } from '../../src/eventstore/command-handler'
import { EventStore } from '../../src/eventstore/store'
import type { Aggregate, Command, Event } from '../../src/eventstore/types'
import { Writer } from '../../src/eventstore/writer'
import { tempDbPath } from '../support/temp-db'

type Note = Command<'Note', { note: string }>
type Noted = Event<'Noted', { note: string }>
const notes: Aggregate<null, Note, Noted> = {
  name: 'notes',
  stateVersion: 1,
  decider: { decide: (command) => [{ type: 'Noted', data: { note: command.data.note } }], evolve: (state) => state, initialState: null },
}

describe('the WAL at rest', () => {
  it('should be emptied once writes have paused, after growing under load', async () => {
    const path = tempDbPath()
    const db = openDatabase(path)
    const writer = new Writer(db)
    const handler = new CommandHandler(new EventStore(db), writer)
    const stop = truncateWalWhenIdle(db, writer, 50)
    const note = 'x'.repeat(2_000)

    await Promise.all(
      Array.from({ length: 300 }, (_, i) => handler.handle(notes, `note-${i}`, { type: 'Note', data: { note }, metadata: { now: 0 } }, {})),
    )
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(500_000)

    await Bun.sleep(200)
    expect(statSync(`${path}-wal`).size).toBe(0)
    stop()
  })
})
