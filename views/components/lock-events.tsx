// A lock's recent events as a table: what happened, when, and a short human summary.

export type LockEventView = { version: number; type: string; timestamp: string; summary: string }

// UTC on purpose: the server does not know the reader's time zone.
const WHEN = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })

export function LockEvents({ events }: { events: LockEventView[] }): JSX.Element {
  if (events.length === 0) return <p class="muted">No events yet.</p>
  return (
    <table class="lock-events">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Event</th>
          <th scope="col">When (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr>
            <td data-label="#">{event.version}</td>
            <td data-label="Event">
              <strong safe>{event.type}</strong>
              {event.summary !== '' ? (
                <span class="muted" safe>
                  {` ${event.summary}`}
                </span>
              ) : (
                ''
              )}
            </td>
            <td data-label="When">
              <time datetime={event.timestamp} safe>
                {WHEN.format(Date.parse(event.timestamp))}
              </time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
