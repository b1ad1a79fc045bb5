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

export type Decider<State, Cmd, Evt extends Event> = {
  decide: (command: Cmd, state: State) => Evt[]
  evolve: (state: State, event: Evt) => State
  initialState: State
}

// A kind of stream: its decider and the version of its state shape (bump to invalidate snapshots).
export type Aggregate<State, Cmd, Evt extends Event> = {
  name: string
  stateVersion: number
  decider: Decider<State, Cmd, Evt>
}
