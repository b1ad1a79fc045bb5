// The pretest step on a simulated machine: PATH holds only fake dpkg-query, id and apt-get, so nothing is installed
// for real and the packages present, the user and apt's outcome are whatever each test says.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'bun:test'

const SCRIPT = join(import.meta.dir, '../../.ci/system-packages.sh')
const ALL = ['chromium', 'mosquitto', 'wrk', 'postgresql']

type Machine = { installed?: string[]; uid?: number; aptFails?: boolean; hasDpkg?: boolean }

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function run({ installed = [], uid = 0, aptFails = false, hasDpkg = true }: Machine) {
  const bin = mkdtempSync(join(tmpdir(), 'spkey-fake-bin-'))
  dirs.push(bin)
  const aptLog = join(bin, 'apt-get.log')
  const fake = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  // Like dpkg-query -W: a line per installed package, whatever the format asked for; status 1 if one is unknown.
  if (hasDpkg)
    fake('dpkg-query', [...installed.map((p) => `echo '${p} installed'`), `exit ${installed.length < ALL.length ? 1 : 0}`].join('\n'))
  fake('id', `echo ${uid}`)
  fake('apt-get', `echo "$*" >> '${aptLog}'\nexit ${aptFails ? 100 : 0}`)
  const result = Bun.spawnSync(['/bin/bash', SCRIPT], { env: { PATH: bin }, stdout: 'pipe', stderr: 'pipe' })
  const aptCalls = existsSync(aptLog) ? readFileSync(aptLog, 'utf8').trim().split('\n') : []
  return { exitCode: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString(), aptCalls }
}

describe('when every package is installed', () => {
  it('should pass at once without calling apt-get, as root or not', () => {
    for (const uid of [0, 1000]) {
      expect(run({ installed: ALL, uid })).toEqual({ exitCode: 0, stdout: '', stderr: '', aptCalls: [] })
    }
  })
})

describe('when packages are missing and the user is not root', () => {
  it('should stop with the exact command that installs the missing ones, without calling apt-get', () => {
    const result = run({ installed: ['mosquitto', 'postgresql'], uid: 1000 })
    expect(result.exitCode).toBe(1)
    expect(result.aptCalls).toEqual([])
    expect(result.stderr).toContain('missing: chromium wrk')
    expect(result.stderr).toContain('\n  apt-get update && apt-get install -y --no-install-recommends chromium wrk\n')
  })
})

describe('when packages are missing and the user is root', () => {
  it('should update the package lists and install only the missing ones', () => {
    const result = run({ installed: ['wrk', 'postgresql'], uid: 0 })
    expect(result.exitCode).toBe(0)
    expect(result.aptCalls).toEqual(['update -qq', 'install -y -qq --no-install-recommends chromium mosquitto'])
  })

  it('should install all of them on a machine that has none of them', () => {
    expect(run({ uid: 0 }).aptCalls.at(-1)).toBe(`install -y -qq --no-install-recommends ${ALL.join(' ')}`)
  })

  it('should fail, naming the packages, when apt-get fails', () => {
    const result = run({ installed: ['chromium', 'wrk', 'postgresql'], uid: 0, aptFails: true })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('apt-get could not install: mosquitto')
  })
})

describe('when the machine is not Debian', () => {
  it('should let the tests run, noting what it did not check', () => {
    const result = run({ hasDpkg: false, uid: 1000 })
    expect(result.exitCode).toBe(0)
    expect(result.aptCalls).toEqual([])
    expect(result.stderr).toContain('not checking')
  })
})
