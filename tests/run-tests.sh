#!/usr/bin/env bash
# Runs the whole test suite. The integration tests need real PostgreSQL server programs (initdb, pg_ctl),
# the SSH tests need sshd, the native build test clang; on Debian/Ubuntu as root they are installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" > /dev/null; }
have_sshd() { [ -x /usr/sbin/sshd ]; }
# The published bot is compiled ahead of time (NativeBuildTests): the .NET SDK links it with clang.
have_clang() { command -v clang > /dev/null && [ -e /usr/include/zlib.h ]; }

if ! have_postgres || ! have_sshd || ! have_clang; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
    echo "run-tests: installing openssh-server, postgresql, clang and zlib1g-dev (missing)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # The Debian package may create and start a cluster on port 5432; the tests do not use it.
    apt-get install -y -q --no-install-recommends openssh-server postgresql clang zlib1g-dev
  else
    echo "run-tests: PostgreSQL server programs, sshd or clang are missing." >&2
    echo "  Install them first, e.g. as root: apt-get install --no-install-recommends openssh-server postgresql clang zlib1g-dev" >&2
    echo "  (or set PGXCBOT_PG_BIN to a PostgreSQL bin directory containing initdb and pg_ctl)." >&2
    exit 1
  fi
fi

# The real Postgres-XC/XL suites run only where an installation is named (.ci/run unpacks ../shared/vendor).
for variable in PGXCBOT_XC_HOME PGXCBOT_XL_HOME; do
  echo "run-tests: $variable=${!variable:-unset (its tests are skipped; see README, Real Postgres-XC/XL clusters)}"
done

log="$(mktemp)"
unit_log="$(mktemp)"
trap 'rm -f "$log" "$unit_log"' EXIT
set +e
# Build once, then run the two test projects side by side. `dotnet test PgxcBot.sln` ran them one after the other:
# the unit tests (about 4 minutes, 3 of them publishing the native bot in NativeBuildTests, no servers) waited for
# the integration tests (about 16 minutes, servers started one test at a time). The unit tests' output follows
# the integration tests' when both have ended.
dotnet build PgxcBot.sln 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
  dotnet test tests/PgxcBot.Tests/PgxcBot.Tests.csproj --no-build --logger "console;verbosity=normal" > "$unit_log" 2>&1 &
  unit_pid=$!
  dotnet test tests/PgxcBot.IntegrationTests/PgxcBot.IntegrationTests.csproj --no-build --logger "console;verbosity=normal" 2>&1 | tee -a "$log"
  integration_status=${PIPESTATUS[0]}
  wait "$unit_pid"
  unit_status=$?
  tee -a "$log" < "$unit_log"
  status=$(( integration_status != 0 ? integration_status : unit_status ))
fi
set -e

# dotnet test prints counts per test project; add them up into one plain closing line.
sum() { awk -v key="$1" '$1 == key":" { n += $2 } END { print n + 0 }' "$log"; }
# CI keeps only the end of the log: name every failed test (and its first error lines) last.
if grep -qE '^\s*Failed [A-Za-z]' "$log"; then
  echo "Failed tests:"
  grep -E -A6 '^\s*Failed [A-Za-z]' "$log" | grep -vE '^\s*(Stack Trace:|at |--)' | cut -c1-300 | head -60
fi
echo "Tests: $(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
exit "$status"
