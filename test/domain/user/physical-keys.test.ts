// Physical-key numbering and removal on the user decider: pure, given events / when command / then events or error.
import { describe, expect, it } from 'bun:test'
import { Forbidden, NotFound } from '../../../src/domain/errors'
import type { AddPhysicalKey, RemovePhysicalKey } from '../../../src/domain/user/commands'
import { decideUser, userAggregate, userDecider } from '../../../src/domain/user/decide'
import type { UserEvent } from '../../../src/domain/user/events'
import { given as givenDecider } from '../../support/given-when-then'

const USER = 'b1f7c0de-0000-4000-8000-000000000001'
const NOW = Date.parse('2026-06-01T10:00:00.000Z')
const given = (history: UserEvent[]) => givenDecider(userAggregate, history)

const created: UserEvent = { type: 'UserCreated', data: { userId: USER, email: 'u@example.test', status: 'ACTIVE' } }
const added = (number: number, orgId = 'org-a'): UserEvent => ({
  type: 'PhysicalKeyAdded',
  data: { userId: USER, number, orgId, addedAt: NOW },
})
const removed = (number: number): UserEvent => ({ type: 'PhysicalKeyRemoved', data: { userId: USER, number, removedAt: NOW } })

const add = (orgId = 'org-a', extra: Partial<AddPhysicalKey['data']> = {}): AddPhysicalKey => ({
  type: 'AddPhysicalKey',
  data: { orgId, orgName: null, note: null, ...extra },
  metadata: { now: NOW },
})
const remove = (number: number, issuerScope: string[] | null = ['org-a']): RemovePhysicalKey => ({
  type: 'RemovePhysicalKey',
  data: { number, issuerScope },
  metadata: { now: NOW },
})

// Adds one key after another, folding each decided event in, as the command handler does.
function addMany(history: UserEvent[], count: number): number[] {
  let state = history.reduce(userDecider.evolve, userDecider.initialState)
  const numbers: number[] = []
  for (let i = 0; i < count; i++) {
    const events = decideUser(add(), state)
    for (const event of events) {
      if (event.type === 'PhysicalKeyAdded') numbers.push(event.data.number)
      state = userDecider.evolve(state, event)
    }
  }
  return numbers
}

describe('when the user has no physical keys yet', () => {
  it('should number the first key 1 and carry the org, name, note and time', () => {
    given([created])
      .when(add('org-a', { orgName: 'Acme', note: 'front door' }))
      .then([
        {
          type: 'PhysicalKeyAdded',
          data: { userId: USER, number: 1, orgId: 'org-a', orgName: 'Acme', note: 'front door', addedAt: NOW },
        },
      ])
  })

  it('should leave orgName and note out of the event when they are not given', () => {
    given([created])
      .when(add())
      .then([added(1)])
  })

  it('should number consecutive keys 1, 2, 3', () => {
    expect(addMany([created], 3)).toEqual([1, 2, 3])
  })

  it('should refuse to remove any number with NotFound', () => {
    given([created]).when(remove(1)).thenThrows(NotFound)
  })
})

describe('when keys were removed', () => {
  it('should never reuse a removed number, even the highest one', () => {
    given([created, added(1), added(2), removed(2)])
      .when(add())
      .then([added(3)])
  })

  it('should keep counting after every key was removed', () => {
    expect(addMany([created, added(1), added(2), removed(1), removed(2)], 2)).toEqual([3, 4])
  })

  it('should answer NotFound when removing an already-removed number', () => {
    given([created, added(1), removed(1)])
      .when(remove(1))
      .thenThrows(NotFound)
  })

  it('should answer NotFound for a number never issued', () => {
    given([created, added(1)])
      .when(remove(7))
      .thenThrows(NotFound)
  })
})

describe('when a key was issued by one organisation', () => {
  const history = [created, added(1, 'org-a'), added(2, 'org-b')]

  it('should let that organisation remove it', () => {
    given(history)
      .when(remove(1, ['org-a']))
      .then([removed(1)])
  })

  it('should let a remover scoped to several orgs (staff of both) remove it', () => {
    given(history)
      .when(remove(2, ['org-a', 'org-b']))
      .then([removed(2)])
  })

  it('should forbid a remover scoped to another organisation', () => {
    given(history)
      .when(remove(1, ['org-b']))
      .thenThrows(Forbidden)
  })

  it('should forbid a remover with an empty scope', () => {
    given(history).when(remove(1, [])).thenThrows(Forbidden)
  })

  it('should let an unscoped remover (super key) remove any key', () => {
    given(history)
      .when(remove(2, null))
      .then([removed(2)])
  })

  it('should answer NotFound rather than Forbidden for a number that does not exist', () => {
    given(history)
      .when(remove(3, ['org-b']))
      .thenThrows(NotFound)
  })
})

describe('when the user does not exist', () => {
  it('should refuse to add a key with NotFound', () => {
    given([]).when(add()).thenThrows(NotFound)
  })

  it('should refuse to remove a key with NotFound', () => {
    given([]).when(remove(1, null)).thenThrows(NotFound)
  })
})

describe('when folding the history', () => {
  it('should never throw on a removal of a number it does not know', () => {
    const folded = givenDecider(userAggregate, [created, removed(9)])
    expect(folded.state).toMatchObject({ status: 'active', nextPhysicalKeyNumber: 1 })
    expect(folded.entity('9')).toBeNull()
  })

  it('should track the issuing org of each key (its own row) and the next number', () => {
    const folded = givenDecider(userAggregate, [created, added(1, 'org-a'), added(2, 'org-b'), removed(1)])
    expect(folded.state).toEqual({
      status: 'active',
      userId: folded.state.status === 'active' ? folded.state.userId : '',
      hasEmail: true,
      nextPhysicalKeyNumber: 3,
      accessibleLocks: [],
    })
    expect(folded.entity('1')).toBeNull()
    expect(folded.entity('2')).toEqual({ orgId: 'org-b' })
  })
})
