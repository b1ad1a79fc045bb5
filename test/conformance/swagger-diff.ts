// spkey's own OpenAPI document (GET /swagger/json) against the reference, for the operations spkey implements:
// same path, method, parameter names (path and query) and required body fields; documented body properties spkey
// does not declare are listed too. Each difference is looked up in SWAGGER_DIFFERENCES for its reason.
import { type DiffReason, SWAGGER_DIFFERENCES } from './operations'
import { documented, type Json, pathShape, type Schema } from './reference'

export type Difference = { op: string; difference: string; reason?: DiffReason }

const jsonBody = (op: Json): Schema | undefined => op?.requestBody?.content?.['application/json']?.schema

const paramNames = (op: Json, where: string): string[] =>
  ((op?.parameters ?? []) as Schema[])
    .filter((p) => p.in === where)
    .map((p) => String(p.name))
    .sort()

export function diffSwagger(spkeyDoc: Json, ops: string[]): Difference[] {
  const out: Difference[] = []
  const paths: Record<string, Json> = spkeyDoc?.paths ?? {}
  for (const key of ops) {
    const ref = documented(key)
    const add = (difference: string) => out.push({ op: key, difference, reason: SWAGGER_DIFFERENCES[`${key} | ${difference}`] })
    let path = ref.path
    if (!paths[path]) {
      const same = Object.keys(paths).find((p) => pathShape(p) === pathShape(ref.path))
      if (!same) {
        add("path missing from spkey's OpenAPI")
        continue
      }
      add(`path spelled \`${same}\` (parameter names differ)`)
      path = same
    }
    const mine = paths[path]?.[ref.method.toLowerCase()]
    if (!mine) {
      add(`method ${ref.method} missing from spkey's OpenAPI for this path`)
      continue
    }
    for (const where of ['path', 'query', 'header']) {
      const theirs = paramNames(ref.op, where)
      const ours = paramNames(mine, where)
      for (const name of theirs) if (!ours.includes(name)) add(`${where} parameter \`${name}\` not declared by spkey`)
      for (const name of ours) if (!theirs.includes(name)) add(`${where} parameter \`${name}\` added by spkey`)
    }
    const refBody = jsonBody(ref.op)
    const ourBody = jsonBody(mine)
    if (refBody && !ourBody) add('request body not declared by spkey')
    if (!refBody && ourBody) add('request body added by spkey')
    if (refBody && ourBody) {
      const refRequired: string[] = refBody.required ?? []
      const ourRequired: string[] = ourBody.required ?? []
      for (const name of refRequired)
        if (!ourRequired.includes(name)) add(`body field \`${name}\` required by the reference, optional in spkey`)
      for (const name of ourRequired)
        if (!refRequired.includes(name)) add(`body field \`${name}\` required by spkey, optional in the reference`)
      const ourProps = Object.keys(ourBody.properties ?? {})
      for (const name of Object.keys(refBody.properties ?? {})) {
        if (!ourProps.includes(name)) add(`body property \`${name}\` not declared by spkey`)
      }
      for (const name of ourProps) {
        if (!(name in (refBody.properties ?? {}))) add(`body property \`${name}\` added by spkey`)
      }
    }
  }
  return out
}

// Reasons recorded for differences that no longer exist (or for operations not compared): stale entries.
export function staleReasons(found: Difference[]): string[] {
  const live = new Set(found.map((d) => `${d.op} | ${d.difference}`))
  return Object.keys(SWAGGER_DIFFERENCES).filter((k) => !live.has(k))
}
