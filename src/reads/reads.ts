// Every in-memory answer spkey gives, by name, each with what drops it. The rule: a new in-memory answer is added here
// or nowhere. Two kinds:
// - ReadCache entries (cache.ts): dropped by an event on a stream they were built from, another process's commit (all
//   at once), or the instant their time-dependent facts change (freshUntil);
// - memos of facts that never change once true, bounded by a cap.
// Outside this file: the event store's cache of aggregate states (eventstore/store.ts), the write side's own, checked
// against the log's head on every load; no read may use it. Also not answers: rate-limit windows and the door layer's
// in-flight opens (locks/doors.ts), which are state, not copies of the database.
import type { Data } from '../data/port'
import type { Lock as LockRow } from '../db/schema'
import { lockStreamId } from '../domain/lock/events'
import { orgStreamId } from '../domain/org/events'
import { userStreamId } from '../domain/user/events'
import type { Built, ReadCache } from './cache'
import type { PageTemplate } from './page-template'

// An API key's owner as the lookup resolved it (auth/api-keys.ts).
export type KnownKey = { orgId: string; isSuper: boolean; expiresAt: number | null }

// The filter and page of an inventory read (GET /users/{id}/PhysicalKeys).
export type InventoryPage = { orgId?: string; orgName?: string; q?: string; limit?: number; cursor?: string }

// A JSON body and the first instant a status it shows may change.
export type TimedBody = { body: string; stableUntil: number }

// What an open needs of the lock row to drive the door.
export type DriverTarget = Pick<LockRow, 'lockId' | 'uuid' | 'driver' | 'bridgeUrl'>

// Enough for the keys in use at a large site; past it the memo starts again (each entry is one query away).
const MEMO_CAP = 10_000
// Events an open appends: they change no driver setting of the lock row.
const DRIVER_NEUTRAL: ReadonlySet<string> = new Set(['LockOpenRequested', 'TempKeyUsed'])

export class Reads {
  // key -> lock: fixed for good (a key UUID is unique across locks and never reused; a deleted key still names its lock).
  private readonly keyLocks = new Map<string, number>()
  // lock -> its driver settings as of a version of its stream: the columns come from that stream's events alone,
  // written in the append's transaction, so they hold while the head stays there, and across an open's own events.
  private readonly driverTargets = new Map<number, { version: number; target: DriverTarget }>()

  constructor(
    private readonly data: Data,
    readonly cache: ReadCache,
  ) {}

  // The lock row every lock route authorises against, until an event of the lock's stream (its only writer). A missing
  // lock is not cached: guessed ids cannot crowd the cache.
  lockRow(lockId: number, now: number): Promise<Readonly<LockRow> | undefined> {
    return this.cache.through<LockRow>(`lock-row:${lockId}`, now, async () => {
      const lock = await this.data.findLock(lockId)
      return lock && { value: lock, streams: [lockStreamId(lockId)] }
    })
  }

  // An API key (by hash) until its org's stream changes: issue, rotation, revocation. Unknown keys are not cached.
  async apiKey(keyHash: string, now: number, load: () => Promise<KnownKey | null>): Promise<KnownKey | null> {
    const built = async (): Promise<Built<KnownKey> | undefined> => {
      const known = await load()
      return known === null ? undefined : { value: known, streams: [orgStreamId(known.orgId)] }
    }
    return (await this.cache.through(`api-key:${keyHash}`, now, built)) ?? null
  }

  // A page of a lock's temp-key list (GET /locks/{id}/temp-keys), until an event of the lock's stream or the first
  // instant a status among the keys the page looked at may change.
  tempKeyListPage(lockId: number, page: unknown, now: number, build: () => Promise<TimedBody>): Promise<string> {
    const key = `lock-temp-keys:${JSON.stringify([lockId, page])}`
    const built = async (): Promise<Built<string>> => {
      const { body, stableUntil } = await build()
      return { value: body, streams: [lockStreamId(lockId)], freshUntil: stableUntil, bytes: body.length }
    }
    return this.cache.through(key, now, built)
  }

  // A page of a user's inventory (GET /users/{id}/PhysicalKeys) as a reader with `scope` sees it, until an event of the
  // user's stream. The scope (the issuers whose keys this reader may see: an org key's org, a staff member's orgs, or
  // all) is part of the key instead of a second stream to watch: a change of staff makes the reader's key another one.
  inventoryPage(
    userId: string,
    scope: readonly string[] | null,
    page: InventoryPage,
    now: number,
    build: () => Promise<string>,
  ): Promise<string> {
    const built = async (): Promise<Built<string>> => {
      const body = await build()
      return { value: body, streams: [userStreamId(userId)], bytes: body.length }
    }
    return this.cache.through(inventoryKey(userId, scope, page), now, built)
  }

  // The same page if it is kept, else undefined (the hot path, which builds nothing).
  cachedInventoryPage(userId: string, scope: readonly string[] | null, page: InventoryPage, now: number): string | undefined {
    return this.cache.get<string>(inventoryKey(userId, scope, page), now)
  }

  // The guest page of a key for a viewer (null: not signed in) in a language, as a template (page-template.ts), until
  // an event of the lock's stream (or the viewer's, whose name it shows) or the instant the key's status may change.
  guestPage(rawUuid: string, userId: string | null, lang: string, now: number): PageTemplate | undefined {
    return this.cache.get<PageTemplate>(guestPageKey(rawUuid, userId, lang), now)
  }

  keepGuestPage(
    rawUuid: string,
    userId: string | null,
    lang: string,
    lockId: number,
    page: { template: PageTemplate; stableUntil: number; bytes: number; builtAt: number },
  ): void {
    const streams = userId === null ? [lockStreamId(lockId)] : [lockStreamId(lockId), userStreamId(userId)]
    const { template, stableUntil: freshUntil, bytes, builtAt } = page
    this.cache.set(guestPageKey(rawUuid, userId, lang), template, streams, { freshUntil, bytes, builtAt })
  }

  // Taken before reading what a page to keep is built from (see ReadCache.mark).
  mark(): number {
    return this.cache.mark()
  }

  // Undefined for a key that never existed.
  async lockOfKey(tempKeyUuid: string): Promise<number | undefined> {
    const known = this.keyLocks.get(tempKeyUuid)
    if (known !== undefined) return known
    const row = await this.data.findTempKey(tempKeyUuid)
    if (!row) return undefined
    if (this.keyLocks.size >= MEMO_CAP) this.keyLocks.clear()
    this.keyLocks.set(tempKeyUuid, row.lockId)
    return row.lockId
  }

  // The lock's driver settings when its stream is at `version` (the version the caller just loaded).
  async driverTarget(lockId: number, version: number): Promise<DriverTarget | undefined> {
    const known = this.driverTargets.get(lockId)
    if (known !== undefined && known.version === version) return known.target
    const lock = await this.data.findLock(lockId)
    if (!lock) return undefined
    const target = { lockId: lock.lockId, uuid: lock.uuid, driver: lock.driver, bridgeUrl: lock.bridgeUrl }
    if (this.driverTargets.size >= MEMO_CAP) this.driverTargets.clear()
    this.driverTargets.set(lockId, { version, target })
    return target
  }

  // An open's own events directly followed `from` (nothing else was appended in between) and set no driver setting:
  // the settings read at `from` still hold at `to`.
  driverTargetHolds(lockId: number, from: number, to: number, eventTypes: readonly string[]): void {
    const known = this.driverTargets.get(lockId)
    if (known === undefined || known.version !== from || to !== from + eventTypes.length) return
    if (eventTypes.every((type) => DRIVER_NEUTRAL.has(type))) known.version = to
  }
}

const guestPageKey = (rawUuid: string, userId: string | null, lang: string) => `guest-page:${rawUuid.toLowerCase()}:${lang}:${userId ?? ''}`
const inventoryKey = (userId: string, scope: readonly string[] | null, page: InventoryPage) =>
  `physical-keys:${JSON.stringify([userId, scope, page.orgId, page.orgName, page.q, page.limit, page.cursor])}`
