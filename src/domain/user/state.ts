// What user decisions read: existence, whether an e-mail is on file, the physical-key counter and granted locks (UserState), and for a command on
// one physical key, the org that issued it (PhysicalKeyState, a decision row: the inventory never loads whole).
export type UserState =
  | { status: 'absent' }
  | {
      status: 'active'
      userId: string
      // UpdateEmail sets an e-mail only on a user who has none.
      hasEmail: boolean
      nextPhysicalKeyNumber: number
      accessibleLocks: string[]
    }

export const initialUserState: UserState = { status: 'absent' }

export type PhysicalKeyState = { orgId: string }
