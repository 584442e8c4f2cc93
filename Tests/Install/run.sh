#!/usr/bin/env bash
# The install tests that need no kernel: the manual pages, the bash completion and,
# given a package built by Scripts/package, lintian and the package's contents.
# Prints their PASS/FAIL lines and one summary, "install: N passed, M failed".
# Usage: Tests/Install/run.sh [DEB]
set -u
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
bash "$here/man.sh" >"$log" 2>&1 || status=1
bash "$here/completion.sh" >>"$log" 2>&1 || status=1
if [ $# -gt 0 ]; then
  bash "$here/deb.sh" "$1" >>"$log" 2>&1 || status=1
  grep -q '^deb: ' "$log" || echo "FAIL deb.sh did not finish" >>"$log"
fi
grep -v -E '^(man|completion|deb): ' "$log"
passed=$(grep -c '^PASS ' "$log") failed=$(grep -c '^FAIL ' "$log")
# A script that died before its summary counts as a failure.
grep -q '^man: ' "$log" || { failed=$((failed + 1)); echo "FAIL man.sh did not finish"; }
grep -q '^completion: ' "$log" || { failed=$((failed + 1)); echo "FAIL completion.sh did not finish"; }
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
