#!/usr/bin/env bash
# The project's test command: unit tests beside the code plus tests/ integration
# tests, then one plain summary line "N passed, N failed" that CI reads.
# Fails when any test failed or when no test ran.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The Debian packages the tests use, installed on first run (tools/deps.sh test).
bash "$root/tools/deps.sh" test || exit $?
mkdir -p .test-results
junit=.test-results/junit.xml
rm -f "$junit"
deno="${DENO:-$root/denow}"
"$deno" test -A --unstable-no-legacy-abort --junit-path="$junit" "$@"
status=$?
"$deno" run --allow-read="$junit" tools/test_summary.ts "$junit"
summary=$?
[ "$status" -eq 0 ] && [ "$summary" -eq 0 ]
