// What org decisions read: does it exist (and as what, so a repeated registration can be told from a clash), its
// current key, its staff.
export type OrgState =
  | { status: 'absent' }
  | {
      status: 'active'
      orgId: string
      orgName: string
      ownerEmail: string | null
      isSuper: boolean
      activeKey: { keyHash: string; expiresAt: string | null } | null
      members: string[]
    }

export const initialOrgState: OrgState = { status: 'absent' }
