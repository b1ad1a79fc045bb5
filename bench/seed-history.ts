// `bun bench/seed-history.ts SPEC.json RESULT.json`: writes long histories (locks with thousands of temp keys, users
// with thousands of physical keys) straight into the log, as a child process: over HTTP a 50,000-key lock takes more
// than 15 minutes. Events come from the real deciders (so their shapes cannot drift from the domain's), each decided
// on a minimal state, and go in through store.append only, thousands per transaction, with every inline projection.
import { readFileSync, writeFileSync } from 'node:fs'
import { issueApiKey, registerOrg } from '../src/auth/tenants'
import type { SqliteDeps } from '../src/deps'
import { lockEntities } from '../src/domain/lock/collective'
import { lockAggregate } from '../src/domain/lock/decide'
import { lockStreamId } from '../src/domain/lock/events'
import type { LockEntity } from '../src/domain/lock/state'
import { userAggregate } from '../src/domain/user/decide'
import { userStreamId } from '../src/domain/user/events'
import type { Event } from '../src/eventstore/types'
import { seed } from './support'

// `deleteEvery`: every such key (the 2nd, 4th, ... for 2) is deleted right after it is created. `collective`: the keys
// are collective keys with one door on this lock (slide or PIN, each its own PIN) instead of single keys.
export type LockHistory = { lockId: number; keys: number; deleteEvery: number | null; collective?: boolean }
export type UserHistory = { users: number; keysEach: number }
export type HistorySpec = { databasePath: string; orgId: string; locks: LockHistory[]; users: UserHistory[] }
// Per lock, live (public, unlimited, valid for 30 days) key uuids spread over its history; per user group, the ids.
export type SeededHistory = { apiKey: string; locks: { lockId: number; liveKeys: string[] }[]; users: string[][]; events: number }

const EVENTS_PER_TRANSACTION = 5_000
const LIVE_SAMPLE = 16
const DAY = 86_400_000

// Collects appends and commits them EVENTS_PER_TRANSACTION events at a time.
function batchedAppender(deps: SqliteDeps) {
  let pending: (() => void)[] = []
  let pendingEvents = 0
  let total = 0
  const flush = () => {
    const work = pending
    pending = []
    pendingEvents = 0
    deps.db.$client
      .transaction(() => {
        for (const append of work) append()
      })
      .immediate()
  }
  return {
    append(streamId: string, expectedVersion: number, events: Event[], createdAt: number) {
      pending.push(() => deps.store.append(streamId, expectedVersion, events, { principal: 'bench-seed' }, createdAt))
      pendingEvents += events.length
      total += events.length
      if (pendingEvents >= EVENTS_PER_TRANSACTION) flush()
    },
    done(): number {
      if (pending.length > 0) flush()
      return total
    },
  }
}

// A collective key over one door of the lock being seeded, its PIN's hash unique per key.
const collectiveKey = (tempKeyUuid: string, window: { validFrom: string; validUntil: string }, i: number) => ({
  tempKeyUuid,
  ...window,
  description: `bench shared key ${i}`,
  createdBy: 'bench',
  doors: [{ id: 1, label: null, accessMethod: 'both' as const }],
  pin: { hash: `bench-pin-${i}-${tempKeyUuid}`, seed: `seed-${i}` },
})

function seedLock(out: ReturnType<typeof batchedAppender>, orgId: string, history: LockHistory, now: number) {
  const { decide, evolve, initialState } = lockAggregate.decider
  const streamId = lockStreamId(history.lockId)
  // The history spreads over the past: one key a second, the last one a second ago.
  const start = now - (history.keys + 1) * 1000
  const lock = {
    lockId: history.lockId,
    index: history.lockId,
    uuid: crypto.randomUUID(),
    serialNumber: null,
    vendorName: null,
    name: null,
    ownerId: null,
    orgId,
    keys: [],
  }
  const created = decide({ type: 'CreateLock', data: lock, metadata: { now: start } }, initialState, null)
  const base = created.reduce(evolve, initialState)
  out.append(streamId, 0, created, start)
  let version = created.length
  const window = { validFrom: new Date(now - DAY).toISOString(), validUntil: new Date(now + 30 * DAY).toISOString() }
  const live: string[] = []
  let sampleAt = 1
  for (let i = 1; i <= history.keys; i++) {
    const at = start + i * 1000
    const tempKeyUuid = crypto.randomUUID()
    const key = {
      tempKeyUuid,
      accessMode: 'public' as const,
      allowedUserIds: [],
      ...window,
      maxUses: null,
      description: `bench key ${i}`,
      schedule: null,
      createdBy: 'bench',
    }
    const events = history.collective
      ? decide({ type: 'CreateCollectiveTempKey', data: collectiveKey(tempKeyUuid, window, i), metadata: { now: at } }, base, null)
      : decide({ type: 'CreateTempKey', data: key, metadata: { now: at } }, base, null)
    const deleted = history.deleteEvery !== null && i % history.deleteEvery === 0
    if (deleted) {
      // The key's own state, as its decision row holds it once created.
      const keyState = events.reduce(lockEntities.evolve, null as LockEntity | null)
      events.push(
        ...decide({ type: 'DeleteTempKey', data: { tempKeyUuid, deletedBy: 'bench' }, metadata: { now: at + 500 } }, base, keyState),
      )
    } else if (i >= sampleAt && live.length < LIVE_SAMPLE) {
      live.push(tempKeyUuid)
      sampleAt += history.keys / LIVE_SAMPLE
    }
    out.append(streamId, version, events, at)
    version += events.length
  }
  return { lockId: history.lockId, liveKeys: live }
}

function seedUsers(out: ReturnType<typeof batchedAppender>, history: UserHistory, orgId: string, now: number): string[] {
  const { decide, evolve, initialState } = userAggregate.decider
  const ids: string[] = []
  for (let u = 0; u < history.users; u++) {
    const userId = crypto.randomUUID()
    ids.push(userId)
    const streamId = userStreamId(userId)
    const start = now - (history.keysEach + 1) * 1000
    const data = { userId, email: null, firstName: null, lastName: null }
    const created = decide({ type: 'CreateUser', data, metadata: { now: start } }, initialState, null)
    const base = created.reduce(evolve, initialState)
    out.append(streamId, 0, created, start)
    let version = created.length
    // Each key decided on the state that holds only the previous one: decide reads the next key number from it.
    let state = base
    for (let k = 1; k <= history.keysEach; k++) {
      const at = start + k * 1000
      const command = { type: 'AddPhysicalKey' as const, data: { orgId, orgName: 'Bench', note: `key ${k}` }, metadata: { now: at } }
      const events = decide(command, state, null)
      state = events.reduce(evolve, base)
      out.append(streamId, version, events, at)
      version += events.length
    }
  }
  return ids
}

export async function seedHistory(spec: HistorySpec): Promise<SeededHistory> {
  return seed(spec.databasePath, async (deps) => {
    await registerOrg(deps, { orgId: spec.orgId, orgName: 'Bench' })
    const { apiKey } = await issueApiKey(deps, spec.orgId, { createdBy: 'bench' })
    const now = Date.now()
    const out = batchedAppender(deps)
    const locks = spec.locks.map((history) => seedLock(out, spec.orgId, history, now))
    const users = spec.users.map((history) => seedUsers(out, history, spec.orgId, now))
    const events = out.done()
    return { apiKey, locks, users, events }
  })
}

if (import.meta.main) {
  const [specPath, resultPath] = process.argv.slice(2)
  if (!specPath || !resultPath) throw new Error('usage: bun bench/seed-history.ts SPEC.json RESULT.json')
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as HistorySpec
  writeFileSync(resultPath, JSON.stringify(await seedHistory(spec)))
}
