#!/usr/bin/env bash
# The differential suite, run inside the test VM: every scenario runs once through the
# reference /usr/sbin/ipvsadm and once through ours, each in a fresh network namespace
# of the same kernel, and the two transcripts must be byte-identical.
# Usage: run.sh OUR_IPVSADM SCENARIO_DIR RESULT_DIR
# REFERENCE_IPVSADM names the reference (default /usr/sbin/ipvsadm), for a run where ours
# has been installed there (Tests/Install/package.sh).
# Prints one line per difference and the summary "differential: N/M scenarios identical".
set -u
ours=$(readlink -f "$1") scenarios=$2 results=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$results"
bin=$(mktemp -d)
mkdir -p "$bin/reference" "$bin/ours"
# Both tools are called `ipvsadm` through PATH, so argv[0] (shown in messages) is the same.
export REFERENCE_IPVSADM=${REFERENCE_IPVSADM:-/usr/sbin/ipvsadm}
ln -s "$REFERENCE_IPVSADM" "$bin/reference/ipvsadm"
ln -s "$ours" "$bin/ours/ipvsadm"

run_one() {
  local file=$1 tool=$2 namespace=$3
  ip netns add "$namespace" || return 1
  # Real servers are refused while lo is down in a new namespace.
  ip -n "$namespace" link set lo up
  # A hung tool must not hang the suite: the scenario then simply differs.
  timeout -k 5 180 ip netns exec "$namespace" env PATH="$bin/$tool:$PATH" LC_ALL=C \
    bash "$here/run-scenario.sh" "$file" || echo "=== scenario ended with status $?"
  ip netns delete "$namespace"
}

total=0 identical=0 index=0
for file in "$scenarios"/*.scenario; do
  [ -e "$file" ] || continue
  index=$((index + 1))
  name=$(basename "$file" .scenario)
  # One tool at a time. The kernel's service table is shared by all namespaces, and a
  # netlink service dump resumes (in every dump, at least once, to find its end) by an
  # index that counts the services of every namespace: while the other namespace adds
  # or deletes services, either tool may list a service twice or not at all. Sync
  # daemons also stall when two namespaces stop theirs at once.
  run_one "$file" reference "diff-ref-$index" >"$results/$name.reference" 2>&1
  run_one "$file" ours "diff-ours-$index" >"$results/$name.ours" 2>&1
  total=$((total + 1))
  if cmp -s "$results/$name.reference" "$results/$name.ours"; then
    identical=$((identical + 1))
  else
    echo "DIFFERENT: $name"
    diff -u "$results/$name.reference" "$results/$name.ours" | head -40
  fi
done
rm -rf "$bin"
echo "differential: $identical/$total scenarios identical"
[ "$total" -gt 0 ] && [ "$identical" -eq "$total" ]
