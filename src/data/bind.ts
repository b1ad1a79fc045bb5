import { BOUND_READS, type BoundModules } from './port'

// A module's functions with their first argument (the connection) bound, each answer promised: how both adapters make
// their Data out of the modules that hold the queries.
type Bound<F> = F extends (connection: never, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never
export type BoundAll<M, K extends keyof M> = { [P in K]: Bound<M[P]> }

function bindAll<M, K extends keyof M>(module: M, keys: readonly K[], connection: unknown): BoundAll<M, K> {
  const bound: Partial<Record<K, unknown>> = {}
  for (const key of keys) {
    const fn = module[key] as (connection: unknown, ...args: unknown[]) => unknown
    bound[key] = async (...args: unknown[]) => fn(connection, ...args)
  }
  return bound as BoundAll<M, K>
}

// Every module's functions named in BOUND_READS, bound to one connection.
export function bindModules<M extends { [K in keyof typeof BOUND_READS]: unknown }>(modules: M, connection: unknown): BoundModules<M> {
  const bound = Object.entries(BOUND_READS).map(([name, keys]) =>
    bindAll(modules[name as keyof M] as Record<string, unknown>, keys, connection),
  )
  return Object.assign({}, ...bound)
}
