// Wakes readers of the log (the webhook dispatcher, live streams) once appended events are durable; readers still
// poll briefly, because another process (the CLI) may append to the same file without telling us.
export class AppendSignal {
  private readonly waiters = new Set<() => void>()
  private readonly listeners = new Set<() => void>()
  private isClosed = false

  get closed(): boolean {
    return this.isClosed
  }

  // Shutdown: every waiter returns now and later waits return at once, so live streams can end.
  close(): void {
    this.isClosed = true
    for (const wake of [...this.waiters]) wake()
  }

  notify(): void {
    for (const wake of [...this.waiters]) wake()
    for (const listener of this.listeners) listener()
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  // Resolves on the next append, after `ms`, or when `abort` fires, whichever comes first.
  wait(ms: number, abort?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (abort?.aborted || this.isClosed) return resolve()
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(done)
        abort?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.waiters.add(done)
      abort?.addEventListener('abort', done, { once: true })
    })
  }
}
