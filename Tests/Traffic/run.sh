#!/usr/bin/env bash
# Kernel end-to-end traffic tests: real LVS clusters (NAT, DR, TUN, schedulers,
# counters, losing a real server) in network namespaces, the director configured only
# with the ipvsadm under test. Run inside the test VM as root.
# Usage: run.sh OUR_IPVSADM [TEST...]   (tests: nat dr tun sched declarative)
# Ends with "traffic: N passed, M failed"; exits non-zero on any failure.
set -u
[ $# -ge 1 ] || { echo "usage: run.sh OUR_IPVSADM [TEST...]" >&2; exit 2; }
ours=$(readlink -f "$1"); shift
here=$(cd "$(dirname "$0")" && pwd)
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(nat dr tun sched declarative)
[ -x "$ours" ] || { echo "run.sh: $ours is not executable" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (inside the VM)" >&2; exit 2; }
for m in ip_vs ip_vs_rr ip_vs_wrr ipip; do modprobe "$m" 2>/dev/null; done
source "$here/suite.sh"
command_for() { command=(bash "$here/$1.sh" "$ours"); }
run_suite traffic 300 tt "${tests[@]}"
