// The coverage table: every operation of docs/reference/smartphonekey-openapi.json (and of -later.json) with spkey's status, and every
// deliberate difference from the document, each with its reason. The conformance suite holds this file to the truth:
// - an operation marked implemented/partly must have a route in createApp(deps).routes and conformance checks
//   covering a success and every documented status it can provoke (or a reason why it cannot be provoked);
// - a route for a documented operation marked "not implemented" or "out of scope" fails the suite;
// - a response status the document does not list for an operation must be allowed below, with the reason;
// - "partly" = routed and checked, with failing checks (known mismatches); "implemented" = every check passes.
// `npm run conformance:report` turns this table and the check results into docs/conformance.md.

export type OpStatus = 'implemented' | 'partly' | 'not implemented' | 'out of scope'
export type OpEntry = { status: OpStatus; note?: string }

const OUT = {
  hubs: 'Hubs (AWS IoT things) are outside spkey: it drives locks directly through its lock drivers.',
  cameras: '3dEye cameras are outside spkey.',
  cameraRoles: '3dEye camera roles are outside spkey.',
  rtsp: 'RTSP cameras are outside spkey.',
  matter: 'Matter devices (AWS IoT shadows) are outside spkey.',
  admin:
    "The docs' b2c-api /admin/* operations are specific to the SaaS (R2, Durable Objects, 3dEye, workflows); spkey has its own admin API and CLI.",
  wallet: 'Apple/Google Wallet passes are outside spkey.',
  threeDeye: '3dEye is outside spkey.',
  devices: 'Device linking (SpacetimeDB device rows, hubs) is outside spkey.',
  plates: 'License plates (LPR cameras) are outside spkey.',
}

export const OPERATIONS: Record<string, OpEntry> = {
  'POST /admin/backfill-threedeye': { status: 'out of scope', note: OUT.admin },
  'POST /admin/cleanup/delete-all': { status: 'out of scope', note: OUT.admin },
  'DELETE /admin/cleanup/hubs/{hubId}': { status: 'out of scope', note: OUT.admin },
  'DELETE /admin/cleanup/locks/{lockId}': { status: 'out of scope', note: OUT.admin },
  'DELETE /admin/cleanup/users/{userId}': { status: 'out of scope', note: OUT.admin },
  'GET /admin/debug/registry': { status: 'out of scope', note: OUT.admin },
  'POST /admin/resync-projections': { status: 'out of scope', note: OUT.admin },
  'POST /admin/shadow-sync/{thingName}': { status: 'out of scope', note: OUT.admin },
  'GET /admin/test-error': { status: 'out of scope', note: OUT.admin },
  'GET /admin/threedeye/users/{userId}': { status: 'out of scope', note: OUT.admin },
  'POST /admin/threedeye/users/{userId}/reset': { status: 'out of scope', note: OUT.admin },
  'POST /camera-roles/{id}/AssignCamera': { status: 'out of scope', note: OUT.cameraRoles },
  'POST /camera-roles/{id}/AssignUser': { status: 'out of scope', note: OUT.cameraRoles },
  'POST /camera-roles/{id}/CreateCameraRole': { status: 'out of scope', note: OUT.cameraRoles },
  'POST /camera-roles/{id}/DeleteCameraRole': { status: 'out of scope', note: OUT.cameraRoles },
  'POST /camera-roles/{id}/RemoveCamera': { status: 'out of scope', note: OUT.cameraRoles },
  'POST /camera-roles/{id}/RemoveUser': { status: 'out of scope', note: OUT.cameraRoles },
  'GET /camera-roles/{id}/details': { status: 'out of scope', note: OUT.cameraRoles },
  'GET /cameras/my': { status: 'out of scope', note: OUT.cameras },
  'POST /cameras/{id}/DeleteCamera': { status: 'out of scope', note: OUT.cameras },
  'POST /cameras/{id}/DisableCamera': { status: 'out of scope', note: OUT.cameras },
  'POST /cameras/{id}/LinkCameraToLock': { status: 'out of scope', note: OUT.cameras },
  'POST /cameras/{id}/RegisterCamera': { status: 'out of scope', note: OUT.cameras },
  'POST /cameras/{id}/UnlinkCameraFromLock': { status: 'out of scope', note: OUT.cameras },
  'POST /cameras/{id}/UpdateCamera': { status: 'out of scope', note: OUT.cameras },
  'GET /cameras/{id}/details': { status: 'out of scope', note: OUT.cameras },
  'GET /cameras/{id}/lpr-events': { status: 'out of scope', note: OUT.cameras },
  'GET /cameras/{id}/stream': { status: 'out of scope', note: OUT.cameras },
  'POST /collective-temp-keys': { status: 'implemented' },
  'DELETE /collective-temp-keys/{uuid}': { status: 'implemented' },
  'GET /collective-temp-keys/{uuid}': { status: 'implemented' },
  'GET /collective-temp-keys/{uuid}/confirmation': { status: 'implemented' },
  'POST /collective-temp-keys/{uuid}/doors/{doorId}/open': { status: 'implemented' },
  'POST /hubs/{id}/ClaimHub': { status: 'out of scope', note: OUT.hubs },
  'POST /hubs/{id}/CommissionDevice': { status: 'out of scope', note: OUT.hubs },
  'POST /hubs/{id}/ProvisionHub': { status: 'out of scope', note: OUT.hubs },
  'POST /hubs/{id}/ReClaimHub': { status: 'out of scope', note: OUT.hubs },
  'POST /hubs/{id}/SendHubCommand': { status: 'out of scope', note: OUT.hubs },
  'POST /hubs/{id}/SetHubRole': { status: 'out of scope', note: OUT.hubs },
  'POST /hubs/{id}/SuspendHub': { status: 'out of scope', note: OUT.hubs },
  'GET /hubs/{id}/status': { status: 'out of scope', note: OUT.hubs },
  'POST /locks/{id}/AddKey': { status: 'implemented' },
  'POST /locks/{id}/AddResident': { status: 'implemented' },
  'POST /locks/{id}/BulkAddKeys': { status: 'implemented' },
  'POST /locks/{id}/ChangeLockUuid': { status: 'implemented' },
  'POST /locks/{id}/CreateLock': { status: 'implemented' },
  'POST /locks/{id}/OpenLock': { status: 'implemented' },
  'POST /locks/{id}/RemoveKey': { status: 'implemented' },
  'POST /locks/{id}/RemoveResident': { status: 'implemented' },
  'POST /locks/{id}/SetOrganization': { status: 'implemented' },
  'POST /locks/{id}/SetOwner': { status: 'implemented' },
  'POST /locks/{id}/WriteKey': { status: 'implemented' },
  'GET /locks/{id}/basic-info': { status: 'implemented' },
  'POST /locks/{id}/create-temp-key': { status: 'implemented' },
  'GET /locks/{id}/debug/messages': { status: 'not implemented' },
  'POST /locks/{id}/delete-temp-key': { status: 'implemented' },
  'POST /locks/{id}/open-with-pin': { status: 'implemented' },
  'GET /locks/{id}/details': { status: 'implemented' },
  'GET /locks/{id}/events': { status: 'implemented' },
  'GET /locks/{id}/residents': {
    status: 'partly',
    note: 'Without credentials (and for callers who cannot see the lock) each resident is `{name}` only: a user id is enough to whitelist someone on a temp key, so ids are not handed to the public. Callers who may use the lock get the documented shape.',
  },
  'GET /locks/{id}/temp-keys': { status: 'implemented' },
  'POST /locks/{id}/update-temp-key': { status: 'implemented' },
  'POST /locks/{id}/use-temp-key': { status: 'implemented' },
  'POST /matter-devices/{id}/CreateMatterDevice': { status: 'out of scope', note: OUT.matter },
  'POST /matter-devices/{id}/UpdateDesiredShadow': { status: 'out of scope', note: OUT.matter },
  'POST /matter-devices/{id}/UpdateReportedShadow': { status: 'out of scope', note: OUT.matter },
  'POST /rtsp-cameras/{id}/DeleteRtspCamera': { status: 'out of scope', note: OUT.rtsp },
  'POST /rtsp-cameras/{id}/RegisterRtspCamera': { status: 'out of scope', note: OUT.rtsp },
  'GET /temp-keys': { status: 'implemented' },
  'POST /temp-keys': { status: 'implemented' },
  'DELETE /temp-keys/{uuid}': { status: 'implemented' },
  'GET /temp-keys/{uuid}': { status: 'implemented' },
  'GET /temp-keys/{uuid}/confirmation': { status: 'implemented' },
  'POST /temp-keys/{uuid}/doors/{doorId}/open': { status: 'implemented' },
  'POST /temp-keys/{uuid}/open': { status: 'implemented' },
  'POST /users': { status: 'implemented' },
  'GET /users/by-email': { status: 'implemented' },
  'GET /users/by-phone': { status: 'implemented' },
  'GET /users/{id}/3deye-credentials': { status: 'out of scope', note: OUT.threeDeye },
  'POST /users/{id}/AddAccessibleLock': { status: 'implemented' },
  'POST /users/{id}/AddDevice': { status: 'out of scope', note: OUT.devices },
  'POST /users/{id}/AddLicensePlate': { status: 'out of scope', note: OUT.plates },
  'POST /users/{id}/AddPhysicalKey': { status: 'implemented' },
  'POST /users/{id}/AddWalletKey': { status: 'out of scope', note: OUT.wallet },
  'POST /users/{id}/CreateUser': { status: 'implemented' },
  'GET /users/{id}/PhysicalKeys': { status: 'implemented' },
  'GET /users/{id}/PhysicalKeys/{number}': { status: 'implemented' },
  'POST /users/{id}/RemoveAccessibleLock': { status: 'implemented' },
  'POST /users/{id}/RemoveDevice': { status: 'out of scope', note: OUT.devices },
  'POST /users/{id}/RemoveLicensePlate': { status: 'out of scope', note: OUT.plates },
  'POST /users/{id}/RemovePhysicalKey': { status: 'implemented' },
  'POST /users/{id}/UpdateEmail': { status: 'implemented' },
  'POST /users/{id}/UpdatePhoneNumber': { status: 'implemented' },
  'GET /users/{id}/accessible-locks': { status: 'implemented' },
  'GET /users/{id}/devices': { status: 'out of scope', note: OUT.devices },
  'GET /users/{id}/keys': { status: 'implemented' },
  'GET /users/{id}/license-plates': { status: 'out of scope', note: OUT.plates },
  'GET /users/{id}/owned-locks': { status: 'implemented' },
  'GET /users/{id}/phone-number': { status: 'implemented' },
  'GET /users/{id}/profile': { status: 'implemented' },
  'GET /users/{id}/wallet': { status: 'out of scope', note: OUT.wallet },
  'GET /users/{id}/wallet/link': { status: 'out of scope', note: OUT.wallet },
}

// ---------------------------------------------------------------------------------------------------------------
// Response statuses spkey answers that the document does not list for the operation. Each rule names the
// operations it applies to; a check that meets an undocumented status not allowed here fails.
export type ExtraStatus = { status: number; ops: string[] | 'all authenticated'; reason: string }

export const EXTRA_STATUSES: ExtraStatus[] = [
  {
    status: 401,
    ops: 'all authenticated',
    reason:
      "Missing or invalid credentials. Every operation requires JWT or X-API-Key (the document's global `security`), but 401 is listed on only some of them.",
  },
  {
    status: 403,
    ops: 'all authenticated',
    reason:
      "Authenticated but not allowed (common-workflows: the key's org must own the lock / issue the key, a user modifies only their own record); the document lists 403 on only some operations.",
  },
  {
    status: 400,
    ops: [
      'POST /locks/{id}/AddKey',
      'POST /locks/{id}/BulkAddKeys',
      'POST /locks/{id}/OpenLock',
      'POST /locks/{id}/SetOrganization',
      'POST /locks/{id}/SetOwner',
      'POST /locks/{id}/WriteKey',
      'POST /temp-keys',
      'POST /collective-temp-keys',
      'POST /users/{id}/UpdateEmail',
      'POST /users/{id}/UpdatePhoneNumber',
      'GET /locks/{id}/basic-info',
      'GET /locks/{id}/details',
      'GET /locks/{id}/events',
      'GET /locks/{id}/residents',
      'GET /locks/{id}/temp-keys',
      'GET /users/{id}/PhysicalKeys',
      'GET /users/{id}/PhysicalKeys/{number}',
    ],
    reason:
      'Validation: a body, path or query that breaks the documented schema (lock id 0, a wrong type, an unknown or server-set field) answers 400 with details; the document lists no 400 for these operations although they take the validated input.',
  },
  {
    status: 404,
    ops: ['POST /locks/{id}/BulkAddKeys', 'POST /locks/{id}/ChangeLockUuid', 'POST /locks/{id}/create-temp-key'],
    reason:
      'Unknown lock id, or a lock of another tenant (not revealed: DESIGN.md, Identity); the document lists no 404 for these lock commands.',
  },
  {
    status: 404,
    ops: ['GET /collective-temp-keys/{uuid}/confirmation'],
    reason:
      "A UUID that names no collective key answers the not-found page, as the key's access page does (the document lists 404 there, not on the confirmation).",
  },
  {
    status: 409,
    ops: ['POST /locks/{id}/CreateLock'],
    reason:
      "The lock id is taken by a lock this caller cannot see: lock ids are global, so the create neither repeats nor reveals the other tenant's lock (the docs' idempotent 200 would leak it).",
  },
  {
    status: 409,
    ops: ['GET /users/by-email'],
    reason: 'The `uuid` to assign belongs to another user (as the later HEAD version of the document specifies for by-email).',
  },
  {
    status: 409,
    ops: ['POST /locks/{id}/create-temp-key'],
    reason:
      'A client-supplied tempKeyUuid that already names a key: the key is its link, so it is never reused or overwritten (API.md §6.3 leaves the duplicate case open).',
  },
  {
    status: 200,
    ops: ['POST /temp-keys/{uuid}/open'],
    reason:
      'JSON clients (Accept: application/json) get the command envelope {success, aggregateId, version, event: TempKeyUsed, tempKeyUuid, offline} instead of a redirect; the document describes only the browser flow (303).',
  },
  {
    status: 502,
    ops: ['POST /temp-keys/{uuid}/open'],
    reason:
      'The lock device did not confirm the open: nothing is recorded and no use is spent (the docs leave a failed device call open; their OpenLock answers 502).',
  },
  {
    status: 502,
    ops: ['POST /locks/{id}/AddKey', 'POST /locks/{id}/RemoveKey'],
    reason:
      'The lock device did not confirm: common-workflows: "AddKey is fail-fast: if the device can\'t be reached, the request fails with a 502 and no key is recorded"; RemoveKey drives the device the same way. The spec lists 502 only for OpenLock and WriteKey.',
  },
]

// Documented statuses a conformance check cannot provoke through the API, with the reason.
const PIN_OFF =
  'Answered while PIN access is disabled (PIN_ACCESS=off), a setting of the server the conformance run does not change; test/routes/pin-open.test.ts and collective-keys.test.ts provoke it.'
export const NOT_PROVOKED: Record<string, Record<number, string>> = {
  'POST /temp-keys': {
    503: `${PIN_OFF} Also answered when no free PIN can be drawn for one of the locks (20 draws), provoked there with a PIN source that repeats itself.`,
  },
  'POST /collective-temp-keys': {
    503: `${PIN_OFF} Also answered when no free PIN can be drawn for one of the locks (20 draws), provoked there with a PIN source that repeats itself.`,
  },
  'POST /locks/{id}/open-with-pin': { 503: PIN_OFF },
  'POST /locks/{id}/OpenLock': {
    403: "Whoever may see a lock (its org key, a super key, the owner, a key holder) may open it; anyone else gets 404 so other tenants' lock ids are not revealed. No caller sees the lock and may not open it.",
  },
}
const INTERNAL = 'Internal server error: no client request provokes it (storage failures are covered by test/reliability).'
const UNAVAILABLE =
  'Dependency unavailable (docs: "Database not available"): spkey answers 503 with Retry-After when its storage is temporarily unavailable; provoked by test/reliability/storage.test.ts, not by a client request.'
export function notProvokedReason(op: string, status: number): string | undefined {
  const specific = NOT_PROVOKED[op]?.[status]
  if (specific) return specific
  if (status === 500) return INTERNAL
  if (status === 503) return UNAVAILABLE
  return undefined
}

// Documented request-body properties spkey refuses on purpose (checked: 400 with a `details` entry naming them).
export const SERVER_SET_FIELDS: Record<string, Record<string, string>> = {
  'POST /users/{id}/RemovePhysicalKey': {
    _callerOrgId:
      'Server-set (docs: "Clients MUST NOT supply this"); spkey derives it from the API key and answers 400 to a client value (DESIGN.md, HTTP).',
  },
}

// Documented required body properties spkey makes optional on purpose (a body without them succeeds).
export const RELAXED_REQUIRED: Record<string, Record<string, string>> = {
  'POST /locks/{id}/create-temp-key': {
    tempKeyUuid: 'Generated by the server when omitted (and returned as tempKeyUuid); a supplied one is used as documented.',
  },
  'POST /users/{id}/AddAccessibleLock': {
    lockName: 'Defaults to the lock\'s serial number or "Lock <id>": the server knows the lock, so the name is optional.',
  },
}

// Generated request-side cases whose expected status differs on purpose, with the reason. Key: the case name.
export const REQUEST_OVERRIDES: Record<string, Record<string, { status: number; reason: string }>> = {
  'POST /locks/{id}/RemoveKey': {
    'accepts a body with only the required properties': {
      status: 400,
      reason:
        'The document makes neither keyUuid nor keyIndexNumber required, but a RemoveKey must name the key: one of them is required (400 with details for keyUuid).',
    },
  },
}

// Checks that fail today because spkey differs from the document, reported to the lead. A check listed here still
// runs and counts as failing in docs/conformance.md; the suite fails if it starts passing (remove it from here then).
// Key: "<operation> :: <check name>".
export const KNOWN_MISMATCHES: Record<string, string> = {
  'GET /locks/{id}/residents :: without credentials (documented as public)':
    'Public callers get residents as {name} without the required userId: ids are not handed to the public (security review, issue 24 #5).',
}

// Known mismatches shared by many checks (one root cause), matched against check ids.
export const KNOWN_MISMATCH_PATTERNS: { pattern: RegExp; reason: string }[] = []

export function knownMismatch(id: string): string | undefined {
  return KNOWN_MISMATCHES[id] ?? KNOWN_MISMATCH_PATTERNS.find((p) => p.pattern.test(id))?.reason
}

// Differences between spkey's OpenAPI (GET /swagger/json) and the reference, for implemented operations.
// Key: "<operation> | <difference>"; kind: intentional (a deliberate choice), extension (beyond the docs), gap.
export type DiffReason = { kind: 'intentional' | 'extension' | 'gap'; reason: string }
export const SWAGGER_DIFFERENCES: Record<string, DiffReason> = {
  'POST /locks/{id}/create-temp-key | body field `tempKeyUuid` required by the reference, optional in spkey': {
    kind: 'extension',
    reason: 'Generated when omitted (RELAXED_REQUIRED).',
  },
  'POST /locks/{id}/CreateLock | body property `name` added by spkey': {
    kind: 'extension',
    reason: "The lock's display name (1-200 characters) its pages are titled by, instead of the serial number; optional.",
  },
  'POST /locks/{id}/create-temp-key | body property `schedule` added by spkey': {
    kind: 'extension',
    reason: 'Recurring weekly windows inside validFrom..validUntil (time-zone aware), as the peers offer; optional.',
  },
  'POST /locks/{id}/update-temp-key | body property `schedule` added by spkey': {
    kind: 'extension',
    reason: 'Changes or removes (null) the recurring windows; optional.',
  },
  'POST /locks/{id}/update-temp-key | body property `description` added by spkey': {
    kind: 'extension',
    reason: 'The description set at creation (documented there) can be changed too; optional.',
  },
  'POST /temp-keys/{uuid}/open | request body added by spkey': {
    kind: 'extension',
    reason:
      'Optional form fields of the guest page: `_csrf` (required only when the opener is identified by the session cookie) and `_once` (one-time token: a double submit opens once). The documented body-less call still works.',
  },
  'POST /temp-keys/{uuid}/doors/{doorId}/open | request body added by spkey': {
    kind: 'extension',
    reason:
      'Optional form fields of the guest page: `_once` (one-time token: a double submit opens once) and `_csrf` (required only from a browser signed in to spkey). The documented body-less call still works.',
  },
  'POST /collective-temp-keys/{uuid}/doors/{doorId}/open | request body added by spkey': {
    kind: 'extension',
    reason: 'The same optional form fields as POST /temp-keys/{uuid}/doors/{doorId}/open.',
  },
  'GET /temp-keys | query parameter `limit` added by spkey': {
    kind: 'extension',
    reason: 'Page size (1-200, default 100), newest first; the answer gains nextCursor (null on the last page).',
  },
  'GET /temp-keys | query parameter `cursor` added by spkey': {
    kind: 'extension',
    reason: "The previous page's nextCursor (opaque); one this server did not give out is a 400.",
  },
  'GET /temp-keys/{uuid}/confirmation | query parameter `door` added by spkey': {
    kind: 'extension',
    reason:
      'The later docs (2026-08-20) add it: the door of a collective key that was opened, shown on the confirmation (the page at this address serves collective keys too).',
  },
  'GET /temp-keys/{uuid} | query parameter `opened` added by spkey': {
    kind: 'extension',
    reason: 'Set by the 303 after a successful open so the page shows "Door opened" once.',
  },
  'GET /temp-keys/{uuid} | query parameter `lang` added by spkey': {
    kind: 'extension',
    reason: "The guest's language switch (en, el, de, fr, es, it), kept in a cookie; without it the cookie or Accept-Language decides.",
  },
  'GET /temp-keys/{uuid}/confirmation | query parameter `lang` added by spkey': {
    kind: 'extension',
    reason: "The page's language, as on the guest page; without it the cookie or Accept-Language decides.",
  },
  'GET /collective-temp-keys/{uuid} | query parameter `lang` added by spkey': {
    kind: 'extension',
    reason:
      "The guest's language switch (en, el, de, fr, es, it), kept in a cookie, as on a single key's page; without it the cookie or Accept-Language decides.",
  },
  'GET /collective-temp-keys/{uuid}/confirmation | query parameter `lang` added by spkey': {
    kind: 'extension',
    reason: "The page's language, as on the access page; without it the cookie or Accept-Language decides.",
  },
  'GET /locks/{id}/temp-keys | query parameter `limit` added by spkey': {
    kind: 'extension',
    reason: 'Page size (1-200); without it the answer is every key, as documented. The answer gains nextCursor (null on the last page).',
  },
  'GET /locks/{id}/temp-keys | query parameter `cursor` added by spkey': {
    kind: 'extension',
    reason: "The previous page's nextCursor (opaque); one this server did not give out is a 400.",
  },
  'GET /locks/{id}/temp-keys | query parameter `status` added by spkey': {
    kind: 'extension',
    reason: 'Only the keys with this status now (valid, not-yet-valid, expired, used-up).',
  },
  'GET /users/{id}/PhysicalKeys | query parameter `limit` added by spkey': {
    kind: 'extension',
    reason: 'Page size (1-100); the default is the documented cap of 100. The answer gains nextCursor (null on the last page).',
  },
  'GET /users/{id}/PhysicalKeys | query parameter `cursor` added by spkey': {
    kind: 'extension',
    reason: "The previous page's nextCursor (opaque), to read past the first 100; total still counts every match.",
  },
  'GET /users/by-email | query parameter `searchOnly` added by spkey': {
    kind: 'extension',
    reason: "searchOnly=true looks up without creating (a miss is 404); the docs' find-or-create stays the default.",
  },
  'POST /users/{id}/AddAccessibleLock | body field `lockName` required by the reference, optional in spkey': {
    kind: 'extension',
    reason: 'lockName defaults to the lock\'s serial number or "Lock <id>" (RELAXED_REQUIRED).',
  },
  'POST /users/{id}/RemovePhysicalKey | body property `_callerOrgId` not declared by spkey': {
    kind: 'intentional',
    reason: 'Server-set field: spkey takes the caller org from the API key and refuses a client value (400).',
  },
  'GET /users/{id}/PhysicalKeys/{number} | query parameter `_callerOrgId` not declared by spkey': {
    kind: 'intentional',
    reason: 'Server-set field: spkey takes the caller org from the API key and refuses a client value (400).',
  },
}
