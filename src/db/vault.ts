// The PII and credential vaults: raw phone numbers, e-mails set after creation and password hashes live here, never in the log. Writers run
// inside the command's transaction (CommandHandler `alongside`), so the vault and its audit event commit together.
import { asc, eq } from 'drizzle-orm'
import type { Db } from './connection'
import { userCredentials, userEmails, userPhoneNumbers, users } from './schema'

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
