#!/usr/bin/env bash
# The Debian packages the test suites need: `npm test` (pretest) and .ci/run install the missing ones as root, else stop.
set -euo pipefail

# The one list; each line names the suites that need the package.
PACKAGES=(
  chromium  # browser tests (test/e2e/*.browser.test.ts, playwright-core drives Debian's chromium)
  mosquitto # MQTT lock driver tests against a real broker
  wrk       # benchmark harness smoke test (test/bench)
  postgresql # PostgreSQL suites (test/pg): a throwaway cluster per test run, test/fixtures/postgres.ts
)

# Elsewhere than Debian there is nothing to ask apt for; the suites that need a missing tool say so themselves.
if ! command -v dpkg-query >/dev/null; then
  echo "No dpkg here: not checking for the packages the tests use (${PACKAGES[*]})" >&2
  exit 0
fi

# dpkg's own record rather than a command lookup: mosquitto lives in /usr/sbin, off a normal user's PATH.
status=$'\n'$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)$'\n'
missing=()
for package in "${PACKAGES[@]}"; do
  [[ $status == *$'\n'"$package installed"$'\n'* ]] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "npm test needs Debian packages that are missing: ${missing[*]}" >&2
  echo "Run this as root, then npm test again:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "Installing the Debian packages the tests need: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { echo "apt-get could not install: ${missing[*]}" >&2; exit 1; }
