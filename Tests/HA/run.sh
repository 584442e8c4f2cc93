#!/usr/bin/env bash
# High-availability end-to-end tests: two LVS-DR directors configured only with the
# ipvsadm under test (services, real servers, sync daemons), keepalived's VRRP moving
# the VIP, long-lived TCP sessions through a failover. Run inside the test VM as root.
# Usage: run.sh OUR_IPVSADM [TEST...]   (default: dr failback ipv6; also nosync, a
# second control: dr.sh's pair with no daemon at all, whose failover must reset the
# sessions; failback.sh has the control with the daemons stopped)
# Ends with "ha: N passed, M failed"; exits non-zero on any failure.
set -u
[ $# -ge 1 ] || { echo "usage: run.sh OUR_IPVSADM [TEST...]" >&2; exit 2; }
ours=$(readlink -f "$1"); shift
here=$(cd "$(dirname "$0")" && pwd)
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(dr failback ipv6)
[ -x "$ours" ] || { echo "run.sh: $ours is not executable" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (inside the VM)" >&2; exit 2; }
# Every module loaded up front: loading one while a deleted namespace is torn down
# can wait on IPVS's mutex for a minute.
for m in ip_vs ip_vs_rr ip_vs_wrr bridge veth; do modprobe "$m" 2>/dev/null; done
results=$(mktemp -d "${TMPDIR:-/tmp}/ha-results.XXXXXX")
passed=0 failed=0
start=$SECONDS
for t in "${tests[@]}"; do
  echo "=== $t"
  t0=$SECONDS
  : >"$results/$t"
  script=$t.sh env=()
  case $t in
    nosync) script=dr.sh env=(SYNC=0 TEST_NAME=hanosync) ;;
    *) env=(TEST_NAME="ha$t") ;;
  esac
  TRAFFIC_RESULTS="$results/$t" timeout -k 10 420 env "${env[@]}" bash "$here/$script" "$ours"
  rc=$?
  p=$(grep -c '^PASS' "$results/$t") f=$(grep -c '^FAIL' "$results/$t")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "FAIL: $t exited with status $rc"; f=1
  fi
  # Safety net when a test was killed before its own trap ran: its namespaces only.
  for n in $(ip netns list | awk '{print $1}' | grep "^ttha$t-"); do
    for pid in $(ip netns pids "$n"); do kill -9 "$pid"; done
    ip netns delete "$n"
  done
  echo "=== $t: $p passed, $f failed ($((SECONDS - t0)) s)"
  passed=$((passed + p)) failed=$((failed + f))
done
rm -rf "$results"
echo "total time: $((SECONDS - start)) s"
echo "ha: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
