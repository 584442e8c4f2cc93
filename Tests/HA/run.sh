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
source "$here/../Traffic/suite.sh"
command_for() {
  case $1 in
    nosync) command=(env SYNC=0 TEST_NAME=hanosync bash "$here/dr.sh" "$ours") ;;
    *) command=(env TEST_NAME="ha$1" bash "$here/$1.sh" "$ours") ;;
  esac
}
run_suite ha 420 ttha "${tests[@]}"
