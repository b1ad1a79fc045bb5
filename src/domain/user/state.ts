// What user decisions read: existence, the physical-key counter and which org issued each key, granted locks.
export type UserState =
  | { status: 'absent' }
  | {
      status: 'active'
      userId: string
      // number (as string, JSON-safe) -> issuing orgId
      physicalKeys: Record<string, string>
      nextPhysicalKeyNumber: number
      accessibleLocks: string[]
    }

export const initialUserState: UserState = { status: 'absent' }
