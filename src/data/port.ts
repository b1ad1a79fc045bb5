// What the routes, pages and services know of the database: one set of reads and operational writes, all promising
// their answer, with two adapters (./sqlite.ts on one bun:sqlite file, ./postgres.ts on a PostgreSQL pool). Each read
// is the SQLite function of the same name without its connection; PostgreSQL's twin of it (src/projections/pg,
// src/db/pg, src/webhooks/pg-subscriptions.ts) is proven to answer the same in test/pg.
import type * as siteAdmins from '../auth/site-admins'
import type { BoundAll } from './bind'
import type * as vault from '../db/vault'
import type { Aggregate, Event, EventMetadata, StoredEvent } from '../eventstore/types'
import type { Handled } from '../eventstore/command-handler'
import type * as collectiveKeys from '../projections/collective-keys'
import type * as locks from '../projections/locks'
import type { LiveKeyRow, LiveKeyScan } from '../projections/locks'
import type * as orgs from '../projections/orgs'
import type * as users from '../projections/users'
import type * as subscriptions from '../webhooks/subscriptions'
import type { DeliveryLog } from '../webhooks/delivery-log'
import type { PartnerFeed } from '../webhooks/feed'

export const ORG_READS = ['staffOrgIds', 'findOrg', 'findTenant', 'listTenants', 'listOrgMembers', 'isRelatedToOrg'] as const
export const USER_READS = [
  'findUser',
  'listPhysicalKeys',
  'getPhysicalKey',
  'findUserByEmail',
  'listAccessibleLocks',
  'listIssuedKeys',
  'listUsers',
] as const
export const LOCK_READS = [
  'findLock',
  'lockKeyHolderIds',
  'findTempKey',
  'pageTempKeys',
  'listLockKeys',
  'listLockResidents',
  'listOwnedLocks',
  'countOwnedLocks',
  'findLockKeyOf',
  'listKeysHeldBy',
  'listLocks',
] as const
export const COLLECTIVE_KEY_READS = ['findCollectiveKey', 'doorsOfKey', 'pageCollectiveKeys'] as const
export const VAULT_READS = ['phoneNumberOf', 'findUserByPhoneNumber', 'passwordHashOf'] as const
export const SITE_ADMIN_CALLS = [
  'hasSiteAdmin',
  'isSiteAdmin',
  'addSiteAdmin',
  'mintSetupToken',
  'isSetupTokenUsable',
  'claimSetupToken',
  'restoreSetupToken',
] as const
export const SUBSCRIPTION_CALLS = [
  'tenantExists',
  'createSubscription',
  'listSubscriptions',
  'listAllSubscriptions',
  'findSubscription',
  'updateSubscription',
  'deleteSubscription',
  'forgetExpiredSecret',
  'forgetExpiredSecrets',
  'rotateSecret',
  'rewind',
  'listDeliveries',
  'findDelivery',
  'recentDeliveries',
  'health',
  'pruneDeliveries',
] as const

// Which functions of which module Data binds: the same table for both adapters (./bind.ts bindModules).
export const BOUND_READS = {
  orgs: ORG_READS,
  users: USER_READS,
  locks: LOCK_READS,
  collectiveKeys: COLLECTIVE_KEY_READS,
  vault: VAULT_READS,
  siteAdmins: SITE_ADMIN_CALLS,
  subscriptions: SUBSCRIPTION_CALLS,
} as const

// The modules of BOUND_READS with their bound functions, given either database's modules.
export type BoundModules<M extends { [K in keyof typeof BOUND_READS]: unknown }> = BoundAll<
  M['orgs'],
  (typeof ORG_READS)[number] & keyof M['orgs']
> &
  BoundAll<M['users'], (typeof USER_READS)[number] & keyof M['users']> &
  BoundAll<M['locks'], (typeof LOCK_READS)[number] & keyof M['locks']> &
  BoundAll<M['collectiveKeys'], (typeof COLLECTIVE_KEY_READS)[number] & keyof M['collectiveKeys']> &
  BoundAll<M['vault'], (typeof VAULT_READS)[number] & keyof M['vault']> &
  BoundAll<M['siteAdmins'], (typeof SITE_ADMIN_CALLS)[number] & keyof M['siteAdmins']> &
  BoundAll<M['subscriptions'], (typeof SUBSCRIPTION_CALLS)[number] & keyof M['subscriptions']>

type SqliteModules = {
  orgs: typeof orgs
  users: typeof users
  locks: typeof locks
  collectiveKeys: typeof collectiveKeys
  vault: typeof vault
  siteAdmins: typeof siteAdmins
  subscriptions: typeof subscriptions
}

export type Data = BoundModules<SqliteModules> & {
  // A lock's live temp keys from a position, read a chunk at a time (projections/locks.ts).
  scanLiveTempKeys(lockId: number, scan: LiveKeyScan): AsyncIterable<LiveKeyRow>
  // One-time sign-in links (auth/login-links.ts): whether one would sign in, and spending it (the user id once).
  isLoginLinkUsable(tokenHash: string, now: number): Promise<boolean>
  consumeLoginLink(tokenHash: string, now: number): Promise<string | null>
}

// What a command writes beside its events, outside the log (the PII and credential vaults, sign-in links), in the
// same transaction: each adapter applies them there, so they commit with the events or not at all.
export type VaultWrite =
  | { kind: 'phone-number'; userId: string; phoneNumber: string | null }
  // Refused (Conflict) when another user has the address: checked in the transaction, so two users racing for one
  // address cannot both win.
  | { kind: 'email'; userId: string; email: string }
  | { kind: 'password-hash'; userId: string; passwordHash: string; now: number }
  // A new link, sweeping out the expired ones.
  | { kind: 'login-link'; userId: string; tokenHash: string; now: number; expiresAt: number }

// The write side as routes see it: one command on a stream, or one on each of several streams together.
export type Commands = {
  handle<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    streamId: string,
    command: C,
    metadata: EventMetadata,
    alongside?: (handled: Handled<S, E>) => readonly VaultWrite[],
  ): Promise<Handled<S, E>>
  handleAcross<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    commands: readonly { streamId: string; command: C }[],
    metadata: EventMetadata,
  ): Promise<Handled<S, E>[]>
}

// The log as routes read it: the feed's head, a stream's version and a range of its events, an aggregate's state.
export type Log = {
  headPosition(): Promise<number>
  streamVersion(streamId: string): Promise<number>
  readStreamRange(streamId: string, fromVersion: number, toVersion: number): Promise<StoredEvent[]>
  load<S, C, E extends Event, N>(aggregate: Aggregate<S, C, E, N>, streamId: string): Promise<{ state: S; version: number }>
  // An entity's decision state (a lock's temp key, its PIN row), as the stream's last command left it.
  loadEntity<N>(aggregate: { name: string }, streamId: string, entityId: string): Promise<N | null>
}

// Work that must not overlap another for the same key (a door's device, a temp key's opens): in one process on
// SQLite, across every process on PostgreSQL.
export type Exclusive = { run<T>(key: string, work: () => Promise<T>): Promise<T> }

// Exactly once per token (a form's one-time token, an Idempotency-Key): repeats share the first outcome.
export type Once<T> = { run(token: string, now: number, work: () => Promise<T>): Promise<T> }

// A class's public methods, each answer promised: the shape both databases' feeds and delivery logs share.
export type Promised<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K] }

// Each partner's events in its own position order (webhooks/feed.ts, webhooks/pg-feed.ts).
export type Feed = Promised<Pick<PartnerFeed, 'read' | 'event' | 'backlog' | 'head'>>

// The webhook dispatcher's record of deliveries and checkpoints (webhooks/delivery-log.ts, webhooks/pg-delivery-log.ts).
export type Deliveries = Promised<
  Pick<DeliveryLog, 'deliverableIds' | 'subscription' | 'scheduledRetry' | 'skipTo' | 'recordOneOff' | 'acknowledge' | 'settle'>
>

// Signed-out sessions (auth/sessions.ts, db/pg/sessions.ts).
export type Sessions = {
  isRevoked(token: string): boolean | Promise<boolean>
  revoke(token: string, expiresAt: number): Promise<void>
}
