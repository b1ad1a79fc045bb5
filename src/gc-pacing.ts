// GC pacing for `spkey serve`: young and full collections after so much CPU time, none while the server idles.
import { edenGC, gcAndSweep } from 'bun:jsc'

// Collections paced by the work done. Under load the heap fills with dead request objects, and the native memory they
// hold, faster than JavaScriptCore's own schedule reclaims them: left alone, the server's peak RSS was 15-25 MB higher in
// the benchmarks. Most of that dies young: a young collection after every 40 ms of CPU the process spends (~1 ms each)
// keeps it down, and a full one with its sweep after every 2 s of CPU bounds the old generation. A full collection pauses
// the event loop for 15-20 ms and every request in flight waits it out: after every 250 ms of CPU they were the most
// frequent stall of a busy server.
const YOUNG_EVERY_CPU_MS = 40
const FULL_EVERY_CPU_MS = 2000
// A collection slower than its budget allows (a bigger heap) waits longer: each kind stays under ~3% of the CPU.
const MAX_CPU_SHARE = 0.03
const CHECK_EVERY_MS = 20

// Runs `collect` after each `everyCpuMs` of CPU time the process spends, never while it idles.
export function collectWhileBusy(everyCpuMs: number, collect: () => unknown): () => void {
  const cpuMs = () => {
    const { user, system } = process.cpuUsage()
    return (user + system) / 1000
  }
  let every = everyCpuMs
  let since = cpuMs()
  const timer = setInterval(() => {
    if (cpuMs() - since < every) return
    const started = performance.now()
    collect()
    every = Math.max(everyCpuMs, (performance.now() - started) / MAX_CPU_SHARE)
    since = cpuMs()
  }, CHECK_EVERY_MS)
  timer.unref()
  return () => clearInterval(timer)
}

export function paceCollections(): () => void {
  const stops = [collectWhileBusy(YOUNG_EVERY_CPU_MS, edenGC), collectWhileBusy(FULL_EVERY_CPU_MS, gcAndSweep)]
  return () => {
    for (const stop of stops) stop()
  }
}
