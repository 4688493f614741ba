#!/usr/bin/env bash
# Runs jest with the machine's clock moved to another day, through libfaketime, to show the suite
# does not depend on the calendar: the ledger's decisions run on the pinned clock of
# test/support/test-clock.ts, whatever day the host (node and the embedded PostgreSQL alike)
# thinks it is. A failure here is a spec or an app path that still reads the host's clock.
#
#   test/support/calendar-proof.sh [YYYY-MM-DD[ HH:MM:SS]] [jest arguments…]
#   test/support/calendar-proof.sh                          # everything, on 2035-03-01 10:00:00 UTC
#   test/support/calendar-proof.sh 2031-02-28 test/erasure.e2e-spec.ts
#
# Needs libfaketime (Debian: apt-get install -y faketime).
set -euo pipefail
cd "$(dirname "$0")/../.."

at='2035-03-01 10:00:00'
if [[ $# -gt 0 && "$1" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$ ]]; then
  at="$1"
  shift
  [[ "$at" == *' '* ]] || at="$at 10:00:00"
fi
command -v faketime > /dev/null || { echo "calendar-proof: libfaketime is missing (apt-get install -y faketime)" >&2; exit 2; }

# the clock starts at $at and runs on; the monotonic clock (timers, timeouts) is left alone
export FAKETIME_DONT_FAKE_MONOTONIC=1
export TZ=UTC
echo "calendar-proof: running jest with the machine's clock at $at UTC" >&2
exec faketime "$at" npx jest "$@"
