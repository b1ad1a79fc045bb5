// One process of the pg-store scenario: `inflight` commands at a time through the command handler of the backend
// named (a SQLite file path, or a postgres:// URL) for `seconds`, on the given locks (created beforehand); prints
// {"commands": n, "seconds": s} once done.
import { openDatabase } from '../src/db/connection'
import { openPostgres } from '../src/db/pg/connection'
import { lockAggregate } from '../src/domain/lock/decide'
import { lockStreamId } from '../src/domain/lock/events'
import { CommandHandler } from '../src/eventstore/command-handler'
import { PgCommandHandler } from '../src/eventstore/pg-command-handler'
import { PgEventStore } from '../src/eventstore/pg-store'
import { EventStore } from '../src/eventstore/store'
import { Writer } from '../src/eventstore/writer'

const [target, locksArg, inflightArg, secondsArg] = process.argv.slice(2) as [string, string, string, string]
const locks = locksArg.split(',').map(Number)
const inflight = Number(inflightArg)
const handler = (() => {
  if (target.startsWith('postgres://')) {
    return new PgCommandHandler(new PgEventStore(openPostgres(target, { max: inflight }), { aggregates: [lockAggregate] }))
  }
  const db = openDatabase(target)
  return new CommandHandler(new EventStore(db, { aggregates: [lockAggregate] }), new Writer(db))
})()

const deadline = performance.now() + Number(secondsArg) * 1000
let commands = 0
let next = 0
async function loop(): Promise<void> {
  while (performance.now() < deadline) {
    const lockId = locks[next++ % locks.length] as number
    const command = { type: 'RecordLockOpen' as const, data: { requestId: null, reason: 'bench' }, metadata: { now: Date.now() } }
    await handler.handle(lockAggregate, lockStreamId(lockId), command, {})
    commands++
  }
}
const started = performance.now()
await Promise.all(Array.from({ length: inflight }, loop))
console.log(JSON.stringify({ commands, seconds: (performance.now() - started) / 1000 }))
process.exit(0)
