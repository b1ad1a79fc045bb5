// Decider tests read as given(history).when(command).then(events): the history is folded with evolve, then decide
// runs on the resulting state, exactly as the command handler does (minus storage).
import { expect } from 'bun:test'
import type { Decider, Event } from '../../src/eventstore/types'

type ErrorClass = abstract new (...args: never[]) => Error

export function given<S, C, E extends Event>(decider: Decider<S, C, E>, history: E[] = []) {
  const state = history.reduce(decider.evolve, decider.initialState)
  return {
    state,
    when(command: C) {
      const decide = () => decider.decide(command, state)
      return {
        // The decided events, in order; `then([])` asserts an idempotent no-op.
        then(expected: E[]): E[] {
          const events = decide()
          expect(events).toEqual(expected)
          return events
        },
        // A broken rule: decide throws this class (and, when given, a message containing the text or matching it).
        thenThrows(type: ErrorClass, message?: string | RegExp): void {
          let thrown: unknown
          try {
            decide()
          } catch (error) {
            thrown = error
          }
          expect(thrown).toBeInstanceOf(type)
          if (message !== undefined && thrown instanceof Error) {
            if (typeof message === 'string') expect(thrown.message).toContain(message)
            else expect(thrown.message).toMatch(message)
          }
        },
        // The state after folding the decided events in: for assertions on what the next decision will see.
        thenState(expected: S): void {
          expect(decide().reduce(decider.evolve, state)).toEqual(expected)
        },
      }
    },
  }
}
