// What user decisions read: existence, the physical-key counter and granted locks (UserState), and for a command on
// one physical key, the org that issued it (PhysicalKeyState, a decision row: the inventory never loads whole).
export type UserState =
  | { status: 'absent' }
  | {
      status: 'active'
      userId: string
      nextPhysicalKeyNumber: number
      accessibleLocks: string[]
    }

export const initialUserState: UserState = { status: 'absent' }

export type PhysicalKeyState = { orgId: string }
