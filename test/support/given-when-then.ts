// Decider tests read as given(history).when(command).then(events): the whole history is folded with evolve (the
// stream's state, and every entity's state when the aggregate has entities), then decide runs on the state and the
// entity the command names, exactly what the command handler reads (minus storage).
import { expect } from 'bun:test'
import type { Decider, Entities, Event } from '../../src/eventstore/types'

type ErrorClass = abstract new (...args: never[]) => Error

// A bare decider, or an aggregate with its entities.
type Model<S, C, E extends Event, N> = Decider<S, C, E, N> | { decider: Decider<S, C, E, N>; entities?: Entities<C, E, N> }

export function given<S, C, E extends Event, N = never>(model: Model<S, C, E, N>, history: E[] = []) {
  const decider = 'decider' in model ? model.decider : model
  const entities = 'decider' in model ? model.entities : undefined
  const state = history.reduce(decider.evolve, decider.initialState)
  const entityStates = new Map<string, N>()
  for (const event of history) {
    const id = entities?.ofEvent(event) ?? null
    if (id === null || !entities) continue
    const next = entities.evolve(entityStates.get(id) ?? null, event)
    if (next === null) entityStates.delete(id)
    else entityStates.set(id, next)
  }
  const entityOf = (command: C): N | null => {
    const id = entities?.ofCommand(command) ?? null
    return id === null ? null : (entityStates.get(id) ?? null)
  }
  return {
    state,
    entity: (id: string): N | null => entityStates.get(id) ?? null,
    when(command: C) {
      const decide = () => decider.decide(command, state, entityOf(command))
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
