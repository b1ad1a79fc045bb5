// What org decisions read: does it exist, its current key, its staff.
export type OrgState =
  | { status: 'absent' }
  | {
      status: 'active'
      orgId: string
      isSuper: boolean
      activeKey: { keyHash: string; expiresAt: string | null } | null
      members: string[]
    }

export const initialOrgState: OrgState = { status: 'absent' }
