// Answers of hot reads (serialized bodies, resolved API keys) kept in memory until they may be wrong: an event on a
// stream they were built from, a commit by another process (on one SQLite file: PRAGMA data_version, looked at most
// once a millisecond; on PostgreSQL: the log tail, and no answers at all while it lags), or the instant their
// time-dependent facts change (freshUntil).
import { type CommitWatch, commitWatchOf } from '../db/commit-watch'
import type { Db } from '../db/connection'
import type { Projection } from '../eventstore/projections'

// How the cache learns of other processes' commits: asked before every read whether its entries may answer.
export type Coherence = { current: () => boolean }

type Entry = { value: unknown; streams: readonly string[]; freshUntil: number; bytes: number }

// A value worth keeping, the streams whose events drop it, and until when it holds regardless (its time-dependent
// facts), with its rough size in bytes.
export type Built<T> = { value: T; streams: readonly string[]; freshUntil?: number; bytes?: number }

// Enough for thousands of inventories and guest pages; small next to the process's RSS budget.
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024
// Streams whose last change is remembered for the build guard; past this the memory starts over, and a build that began
// before it did is not kept.
const MAX_TRACKED_CHANGES = 100_000

export class ReadCache {
  readonly projection: Projection
  hits = 0
  misses = 0
  private readonly entries = new Map<string, Entry>()
  private readonly keysByStream = new Map<string, Set<string>>()
  private bytes = 0
  // Moves with every change: a value built from data read before a change to one of its streams is not kept (a build
  // that awaits can see a commit land before it finishes).
  private generation = 0
  private readonly changedAt = new Map<string, number>()
  private readonly announced = new Map<string, number>()
  private forgottenBefore = 0

  constructor(
    private readonly coherence: Coherence,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {
    this.projection = { name: 'read-cache', tables: [], apply: (_db, event) => this.changed(event.streamId) }
  }

  // On one SQLite file: this connection's appends drop entries inside the append (the projection); another process's
  // commit empties the cache within a millisecond, sooner than that process could tell anyone it is done.
  static onSqlite(db: Db, maxBytes?: number): ReadCache {
    const commits: CommitWatch = commitWatchOf(db.$client)
    const cache = new ReadCache(
      {
        current: () => {
          commits.check(1)
          return true
        },
      },
      maxBytes,
    )
    commits.onExternalCommit(() => cache.clear())
    return cache
  }

  get<T>(key: string, now: number): T | undefined {
    if (!this.coherence.current()) {
      this.misses++
      return undefined
    }
    const entry = this.entries.get(key)
    if (entry !== undefined && now < entry.freshUntil) {
      this.hits++
      return entry.value as T
    }
    if (entry !== undefined) this.delete(key, entry)
    this.misses++
    return undefined
  }

  // The entry for `key`, else what `build` makes (kept unless it answers undefined: nothing to keep, or one of its
  // streams changed while it was being built).
  async through<T>(key: string, now: number, build: () => Promise<Built<T>>): Promise<T>
  async through<T>(key: string, now: number, build: () => Promise<Built<T> | undefined>): Promise<T | undefined>
  async through<T>(key: string, now: number, build: () => Promise<Built<T> | undefined>): Promise<T | undefined> {
    const cached = this.get<T>(key, now)
    if (cached !== undefined) return cached
    const builtAt = this.mark()
    const built = await build()
    if (built === undefined) return undefined
    this.set(key, built.value, built.streams, { freshUntil: built.freshUntil, bytes: built.bytes, builtAt })
    return built.value
  }

  // `bytes`: roughly what the value holds (a string's length); the oldest entries go once the budget is spent. The key
  // counts too: it can hold request input (query filters) far longer than the answer it names.
  // Where the changes are now: a value built from data read after this may be kept with `builtAt` set to it, and is
  // not if one of its streams changed in between.
  mark(): number {
    return this.generation
  }

  // `builtAt`: the mark() taken before the value's data was read (a value built without one is kept as it is).
  set(
    key: string,
    value: unknown,
    streams: readonly string[],
    options: { freshUntil?: number; bytes?: number; builtAt?: number } = {},
  ): void {
    if (!this.coherence.current()) return
    const { builtAt } = options
    if (builtAt !== undefined && (builtAt < this.forgottenBefore || streams.some((s) => (this.changedAt.get(s) ?? 0) > builtAt))) return
    const previous = this.entries.get(key)
    if (previous !== undefined) this.delete(key, previous)
    const bytes = (options.bytes ?? 256) + key.length
    if (bytes > this.maxBytes) return
    while (this.bytes + bytes > this.maxBytes) {
      const oldest = this.entries.entries().next().value
      if (oldest === undefined) break
      this.delete(oldest[0], oldest[1])
    }
    this.entries.set(key, { value, streams, freshUntil: options.freshUntil ?? Number.POSITIVE_INFINITY, bytes })
    this.bytes += bytes
    for (const stream of streams) {
      let keys = this.keysByStream.get(stream)
      if (keys === undefined) this.keysByStream.set(stream, (keys = new Set()))
      keys.add(key)
    }
  }

  // `version`: the stream's version the change brought it to, when the change may be announced twice (on PostgreSQL
  // a process hears of its own commit at once and again from its log tail): the second announcement drops nothing.
  changed(streamId: string, version?: number): void {
    if (version !== undefined) {
      if (version <= (this.announced.get(streamId) ?? 0)) return
      this.announced.set(streamId, version)
    }
    if (this.changedAt.size >= MAX_TRACKED_CHANGES || this.announced.size > MAX_TRACKED_CHANGES) {
      this.changedAt.clear()
      this.announced.clear()
      this.forgottenBefore = this.generation + 1
    }
    this.changedAt.set(streamId, ++this.generation)
    const keys = this.keysByStream.get(streamId)
    if (keys === undefined) return
    for (const key of keys) {
      const entry = this.entries.get(key)
      if (entry !== undefined) this.delete(key, entry)
    }
  }

  clear(): void {
    this.entries.clear()
    this.keysByStream.clear()
    this.bytes = 0
  }

  get size(): number {
    return this.entries.size
  }

  private delete(key: string, entry: Entry): void {
    this.entries.delete(key)
    this.bytes -= entry.bytes
    for (const stream of entry.streams) {
      const keys = this.keysByStream.get(stream)
      keys?.delete(key)
      if (keys?.size === 0) this.keysByStream.delete(stream)
    }
  }
}
