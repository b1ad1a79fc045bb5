// Shapes shared by the event store, the command handler and projections.
export type EventData = Record<string, unknown>

export type Event<Type extends string = string, Data extends EventData = EventData> = { type: Type; data: Data }

export type Command<Type extends string = string, Data = unknown> = {
  type: Type
  data: Data
  metadata: CommandMetadata
}

// Time and ids travel inside the command: decide never reads the clock.
export type CommandMetadata = { now: number }

export type EventMetadata = {
  requestId?: string
  principal?: string
  causationId?: string
  correlationId?: string
  // The temp-key page's whitelist as typed (user id -> e-mail): read by the locks projection, so the page can show
  // these e-mails and no others.
  enteredEmails?: Record<string, string>
}

export type StoredEvent<E extends Event = Event> = E & {
  position: number
  streamId: string
  streamVersion: number
  metadata: EventMetadata
  createdAt: number
}

// `entity`: the one entity the command names (see Entities), or null when it names none or that entity has no state.
// Methods, not function-typed fields: their parameters compare bivariantly, so the store can hold every aggregate in
// one list (AnyAggregate).
export type Decider<State, Cmd, Evt extends Event, Entity = never> = {
  decide(command: Cmd, state: State, entity: Entity | null): Evt[]
  evolve(state: State, event: Evt): State
  initialState: State
}

// State that grows with a stream's history (a lock's temp keys, a user's physical keys) is not folded into the
// stream's state: each entity's state is a row beside the stream, updated in the append's transaction, and a command
// reads only the row of the entity it names. `evolve` answering null takes the entity out of decision state.
export type Entities<Cmd, Evt extends Event, Entity> = {
  kind: string
  // Rows are kept for streams whose id starts with this ('lock-'), for events ofEvent names.
  streamPrefix: string
  ofCommand(command: Cmd): string | null
  ofEvent(event: Evt): string | null
  evolve(entity: Entity | null, event: Evt): Entity | null
}

// A kind of stream: its decider and the version of its state shape (bump to invalidate snapshots).
export type Aggregate<State, Cmd, Evt extends Event, Entity = never> = {
  name: string
  stateVersion: number
  decider: Decider<State, Cmd, Evt, Entity>
  entities?: Entities<Cmd, Evt, Entity>
}

export type AnyAggregate = Aggregate<unknown, never, Event, unknown>
