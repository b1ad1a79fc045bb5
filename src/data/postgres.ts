// Data (./port.ts) on a PostgreSQL pool: the twins of the SQLite queries (test/pg proves them equal), bound to it.
// The compiler holds each twin to its SQLite original's parameters and answer through the Data type.
import type { Sql } from '../db/pg/connection'
import { consumeLoginLink, isLoginLinkUsable } from '../db/pg/login-links'
import * as siteAdmins from '../db/pg/site-admins'
import * as vault from '../db/pg/vault'
import type { PgCommandHandler } from '../eventstore/pg-command-handler'
import type { PgEventStore } from '../eventstore/pg-store'
import * as collectiveKeys from '../projections/pg/collective-keys-queries'
import * as locks from '../projections/pg/locks-queries'
import * as orgs from '../projections/pg/orgs-queries'
import * as users from '../projections/pg/users-queries'
import * as subscriptions from '../webhooks/pg-subscriptions'
import { bindModules } from './bind'
import type { Commands, Data, Log } from './port'

export function postgresData(sql: Sql): Data {
  return {
    ...bindModules({ orgs, users, locks, collectiveKeys, vault, siteAdmins, subscriptions }, sql),
    scanLiveTempKeys: (lockId, scan) => locks.scanLiveTempKeys(sql, lockId, scan),
    isLoginLinkUsable: (tokenHash, now) => isLoginLinkUsable(sql, tokenHash, now),
    consumeLoginLink: (tokenHash, now) => consumeLoginLink(sql, tokenHash, now),
  }
}

// The command handler with the vault writes a command carries applied in its transaction.
export function postgresCommands(handler: PgCommandHandler): Commands {
  return {
    handle: (aggregate, streamId, command, metadata, alongside) =>
      handler.handle(
        aggregate,
        streamId,
        command,
        metadata,
        alongside && ((handled, tx) => vault.applyVaultWrites(tx, alongside(handled))),
      ),
    handleAcross: (aggregate, commands, metadata) => handler.handleAcross(aggregate, commands, metadata),
  }
}

export function postgresLog(store: PgEventStore): Log {
  return {
    headPosition: () => store.headPosition(),
    streamVersion: (streamId) => store.streamVersion(streamId),
    readStreamRange: (streamId, from, to) => store.readStreamRange(streamId, from, to),
    load: (aggregate, streamId) => store.load(aggregate, streamId),
    loadEntity: (_aggregate, streamId, entityId) => store.loadEntity(streamId, entityId, store.sql),
  }
}
