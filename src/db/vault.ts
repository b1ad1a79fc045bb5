// The PII and credential vaults: raw phone numbers, e-mails set after creation and password hashes live here, never in the log. Writers run
// inside the command's transaction (applyVaultWrites, below), so the vault and its audit event commit together.
import { asc, eq, lt } from 'drizzle-orm'
import type { VaultWrite } from '../data/port'
import { Conflict } from '../domain/errors'
import { copyEmailFromVault, findUserByEmail } from '../projections/users'
import type { Db } from './connection'
import { loginLinks, userCredentials, userEmails, userPhoneNumbers, users } from './schema'

export function writePhoneNumber(db: Db, userId: string, phoneNumber: string | null): void {
  if (phoneNumber === null) {
    db.delete(userPhoneNumbers).where(eq(userPhoneNumbers.userId, userId)).run()
    return
  }
  db.insert(userPhoneNumbers)
    .values({ userId, phoneNumber })
    .onConflictDoUpdate({ target: userPhoneNumbers.userId, set: { phoneNumber } })
    .run()
}

export function phoneNumberOf(db: Db, userId: string): string | null {
  return db.select().from(userPhoneNumbers).where(eq(userPhoneNumbers.userId, userId)).get()?.phoneNumber ?? null
}

// Exact match; several users may share a number (a family landline): the earliest-created one answers.
export function findUserByPhoneNumber(db: Db, phoneNumber: string) {
  return db
    .select({ user: users, phoneNumber: userPhoneNumbers.phoneNumber })
    .from(userPhoneNumbers)
    .innerJoin(users, eq(users.userId, userPhoneNumbers.userId))
    .where(eq(userPhoneNumbers.phoneNumber, phoneNumber))
    .orderBy(asc(users.createdAt), asc(users.userId))
    .get()
}

// Set once per user (UpdateEmail refuses a user who has an e-mail), unique across users.
export function writeEmail(db: Db, userId: string, email: string): void {
  db.insert(userEmails).values({ userId, email }).run()
}

export function writePasswordHash(db: Db, userId: string, passwordHash: string, now: number): void {
  db.insert(userCredentials)
    .values({ userId, passwordHash, updatedAt: now })
    .onConflictDoUpdate({ target: userCredentials.userId, set: { passwordHash, updatedAt: now } })
    .run()
}

export function passwordHashOf(db: Db, userId: string): string | null {
  return db.select().from(userCredentials).where(eq(userCredentials.userId, userId)).get()?.passwordHash ?? null
}

// A command's writes beside its events (data/port.ts VaultWrite), inside its transaction: synchronous, as the batch
// transaction they run in must be.
export function applyVaultWrites(db: Db, writes: readonly VaultWrite[]): void {
  for (const write of writes) {
    switch (write.kind) {
      case 'phone-number':
        writePhoneNumber(db, write.userId, write.phoneNumber)
        break
      case 'email': {
        const owner = findUserByEmail(db, write.email)
        if (owner && owner.userId !== write.userId) throw new Conflict('This email belongs to another user')
        writeEmail(db, write.userId, write.email)
        copyEmailFromVault(db, write.userId)
        break
      }
      case 'password-hash':
        writePasswordHash(db, write.userId, write.passwordHash, write.now)
        break
      case 'login-link':
        // Expired links are worthless: each issue sweeps them out.
        db.delete(loginLinks).where(lt(loginLinks.expiresAt, write.now)).run()
        db.insert(loginLinks)
          .values({ tokenHash: write.tokenHash, userId: write.userId, createdAt: write.now, expiresAt: write.expiresAt, usedAt: null })
          .run()
        break
    }
  }
}
