# The loop shared by the traffic tests (Tests/Traffic/run.sh) and the high-availability
# tests (Tests/HA/run.sh); sourced, not run. Each test script writes PASS/FAIL lines to
# $TRAFFIC_RESULTS and names its namespaces PREFIX<test>-*.
#
# run_suite LABEL SECONDS PREFIX TEST...: runs each TEST as the command that the
# caller's `command_for TEST` puts in the array `command`, with a time limit of SECONDS;
# counts its PASS and FAIL lines (a script that failed without one counts as one
# failure); deletes namespaces a killed script left behind. Ends with
# "LABEL: N passed, M failed"; returns non-zero on any failure.
run_suite() {
  local label=$1 seconds=$2 prefix=$3
  shift 3
  local results passed=0 failed=0 start=$SECONDS t t0 rc p f n pid
  results=$(mktemp -d "${TMPDIR:-/tmp}/$label-results.XXXXXX")
  for t in "$@"; do
    echo "=== $t"
    t0=$SECONDS
    : >"$results/$t"
    command_for "$t"
    TRAFFIC_RESULTS="$results/$t" timeout -k 10 "$seconds" "${command[@]}"
    rc=$?
    p=$(grep -c '^PASS' "$results/$t") f=$(grep -c '^FAIL' "$results/$t")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "FAIL: $t exited with status $rc"; f=1
    fi
    # Safety net when a test was killed before its own trap ran: its namespaces only.
    for n in $(ip netns list | awk '{print $1}' | grep "^$prefix$t-"); do
      for pid in $(ip netns pids "$n"); do kill -9 "$pid"; done
      ip netns delete "$n"
    done
    echo "=== $t: $p passed, $f failed ($((SECONDS - t0)) s)"
    passed=$((passed + p)) failed=$((failed + f))
  done
  rm -rf "$results"
  echo "total time: $((SECONDS - start)) s"
  echo "$label: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
