// Statements prepared once per connection: hot projections must not rebuild and recompile SQL on every event.
import type { Db } from '../db/connection'

export function perDb<T>(build: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>()
  return (db) => {
    let built = cache.get(db)
    if (built === undefined) {
      built = build(db)
      cache.set(db, built)
    }
    return built
  }
}
