// Data (./port.ts) on one bun:sqlite file: the SQLite query functions, bound to the connection. Each runs to its end
// before its promise is made, so a route's await costs a microtask, not a round trip.
import { and, eq, gt, isNull } from 'drizzle-orm'
import * as siteAdmins from '../auth/site-admins'
import type { Db } from '../db/connection'
import { loginLinks } from '../db/schema'
import * as vault from '../db/vault'
import type { CommandHandler } from '../eventstore/command-handler'
import type { EventStore } from '../eventstore/store'
import * as collectiveKeys from '../projections/collective-keys'
import * as locks from '../projections/locks'
import * as orgs from '../projections/orgs'
import * as users from '../projections/users'
import { DeliveryLog } from '../webhooks/delivery-log'
import { PartnerFeed } from '../webhooks/feed'
import * as subscriptions from '../webhooks/subscriptions'
import { bindModules } from './bind'
import type { Commands, Data, Deliveries, Feed, Log, Promised } from './port'

const usable = (tokenHash: string, now: number) =>
  and(eq(loginLinks.tokenHash, tokenHash), isNull(loginLinks.usedAt), gt(loginLinks.expiresAt, now))

export function sqliteData(db: Db): Data {
  return {
    ...bindModules({ orgs, users, locks, collectiveKeys, vault, siteAdmins, subscriptions }, db),
    async *scanLiveTempKeys(lockId, scan) {
      yield* locks.scanLiveTempKeys(db, lockId, scan)
    },
    isLoginLinkUsable: async (tokenHash, now) =>
      db.select({ userId: loginLinks.userId }).from(loginLinks).where(usable(tokenHash, now)).get() !== undefined,
    // One UPDATE ... RETURNING: a second click finds the row used.
    consumeLoginLink: async (tokenHash, now) =>
      db.update(loginLinks).set({ usedAt: now }).where(usable(tokenHash, now)).returning({ userId: loginLinks.userId }).get()?.userId ??
      null,
  }
}

// The command handler with the vault writes a command carries applied inside its batch transaction.
export function sqliteCommands(handler: CommandHandler, db: Db): Commands {
  return {
    handle: (aggregate, streamId, command, metadata, alongside) =>
      handler.handle(aggregate, streamId, command, metadata, alongside && ((handled) => vault.applyVaultWrites(db, alongside(handled)))),
    handleAcross: (aggregate, commands, metadata) => handler.handleAcross(aggregate, commands, metadata),
  }
}

export function sqliteLog(store: EventStore): Log {
  return {
    headPosition: async () => store.headPosition(),
    streamVersion: async (streamId) => store.streamVersion(streamId),
    readStreamRange: async (streamId, from, to) => store.readStreamRange(streamId, from, to),
    load: async (aggregate, streamId) => store.load(aggregate, streamId),
    loadEntity: async (aggregate, streamId, entityId) => store.loadEntity(aggregate, streamId, entityId),
  }
}

// A synchronous class behind the promised shape of its methods.
export function promised<T extends object, K extends keyof T>(target: T, keys: readonly K[]): Promised<Pick<T, K>> {
  const wrapped: Partial<Record<K, unknown>> = {}
  for (const key of keys) {
    const method = target[key] as (...args: unknown[]) => unknown
    wrapped[key] = async (...args: unknown[]) => method.apply(target, args)
  }
  return wrapped as Promised<Pick<T, K>>
}

export const sqliteFeed = (db: Db): Feed => promised(new PartnerFeed(db), ['read', 'event', 'backlog', 'head'])

export const sqliteDeliveries = (db: Db): Deliveries =>
  promised(new DeliveryLog(db), ['deliverableIds', 'subscription', 'scheduledRetry', 'skipTo', 'recordOneOff', 'acknowledge', 'settle'])
