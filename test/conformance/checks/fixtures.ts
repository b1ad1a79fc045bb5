// Fixtures shared by the lock and temp-key checks: a lock owned by an org (and optionally a user), temp keys
// created through the documented API, browser-style requests.
import { HOUR, type Harness, iso, type Lock, NOW, type Org, type User } from '../harness'

export async function orgLock(h: Harness, options: { owner?: User } = {}): Promise<{ org: Org; lock: Lock }> {
  const org = await h.org()
  const lock = await h.lock({ org, owner: options.owner ?? null })
  return { org, lock }
}

export type TempKeyBody = {
  tempKeyUuid: string
  accessMode: 'public' | 'user-whitelist'
  allowedUserIds?: string[]
  validFrom: string
  validUntil: string
  maxUses?: number | null
  description?: string
}

export const tempKeyBody = (overrides: Partial<TempKeyBody> = {}): TempKeyBody => ({
  tempKeyUuid: crypto.randomUUID(),
  accessMode: 'public',
  validFrom: iso(NOW - HOUR),
  validUntil: iso(NOW + 24 * HOUR),
  maxUses: 5,
  description: 'Conformance guest',
  ...overrides,
})

export async function tempKey(
  h: Harness,
  options: { org?: Org; lock?: Lock; body?: Partial<TempKeyBody> } = {},
): Promise<{ org: Org; lock: Lock; uuid: string; body: TempKeyBody }> {
  const { org, lock } = options.org && options.lock ? { org: options.org, lock: options.lock } : await orgLock(h)
  const body = tempKeyBody(options.body)
  const res = await h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { apiKey: org.apiKey, body })
  if (res.status !== 200 && res.status !== 201) throw new Error(`fixture create-temp-key answered ${res.status}: ${res.text}`)
  return { org, lock, uuid: body.tempKeyUuid, body }
}

// What a phone browser sends.
export const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }
export const JSON_CLIENT = { accept: 'application/json' }

export const has = (cond: boolean, problem: string) => (cond ? [] : [problem])

// A user holding a key on an org's lock (AddKey with their userId): may see and open the lock, may not manage it.
export async function keyHolderLock(h: Harness): Promise<{ org: Org; lock: Lock; holder: User }> {
  const { org, lock } = await orgLock(h)
  const holder = await h.user()
  const body = { keyUuid: crypto.randomUUID(), keyIndexNumber: 1, userId: holder.userId }
  const res = await h.call('POST', `/locks/${lock.lockId}/AddKey`, { apiKey: org.apiKey, body })
  if (res.status !== 200) throw new Error(`fixture AddKey answered ${res.status}: ${res.text}`)
  return { org, lock, holder }
}
