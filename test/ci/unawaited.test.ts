// No promise is read as a truth value anywhere in src (see unawaited.ts): an unawaited check is a bypass.
import { describe, expect, it } from 'bun:test'
import { findUnawaited } from './unawaited'

describe('promises used as truth values', () => {
  it('appear nowhere in src', () => {
    expect(findUnawaited(`${import.meta.dir}/../../tsconfig.json`)).toEqual([])
  }, 60_000)
})
