#!/usr/bin/env bash
# The differential suite, run inside the test VM: every scenario runs once through the
# reference /usr/sbin/ipvsadm and once through ours, each tool in a network namespace of
# its own on the same kernel, and the two transcripts must be byte-identical.
# Scenarios run in batches (DIFFERENTIAL_BATCH, default 10): one bash per tool and batch
# runs them one after another, putting the namespace back as new between them
# (run-batch.sh); a scenario that differs is run once more alone, in new namespaces,
# to tell whether it differs on its own. DIFFERENTIAL_ALONE=1 runs every scenario so.
# Usage: run.sh OUR_IPVSADM SCENARIO_DIR RESULT_DIR
# REFERENCE_IPVSADM names the reference (default /usr/sbin/ipvsadm), for a run where ours
# has been installed there (Tests/Install/package.sh).
# Prints one line per difference and the summary "differential: N/M scenarios identical".
set -u
ours=$(readlink -f "$1") scenarios=$2 results=$3
here=$(cd "$(dirname "$0")" && pwd)
batch=${DIFFERENTIAL_BATCH:-10} alone=${DIFFERENTIAL_ALONE:-0}
mkdir -p "$results"
bin=$(mktemp -d)
mkdir -p "$bin/reference" "$bin/ours"
# Both tools are called `ipvsadm` through PATH, so argv[0] (shown in messages) is the same.
export REFERENCE_IPVSADM=${REFERENCE_IPVSADM:-/usr/sbin/ipvsadm}
ln -s "$REFERENCE_IPVSADM" "$bin/reference/ipvsadm"
ln -s "$ours" "$bin/ours/ipvsadm"
namespaces=()
trap 'for namespace in "${namespaces[@]}"; do ip netns delete "$namespace" 2>/dev/null; done; rm -rf "$bin"' EXIT

new_namespace() {
  ip netns add "$1" || return 1
  # Real servers are refused while lo is down in a new namespace.
  ip -n "$1" link set lo up
}

# One scenario in a new namespace: its transcript on stdout.
run_alone() {
  local file=$1 tool=$2 namespace=$3
  new_namespace "$namespace" || return 1
  # A hung tool must not hang the suite: the scenario then simply differs.
  timeout -k 5 180 ip netns exec "$namespace" env PATH="$bin/$tool:$PATH" LC_ALL=C \
    bash "$here/run-scenario.sh" "$file" || echo "=== scenario ended with status $?"
  # Emptied first: the kernel takes a deleted namespace's services out of the shared
  # tables later, which could move the resume point of the next tool's dumps.
  ip netns exec "$namespace" "$ours" -C >/dev/null 2>&1
  ip netns delete "$namespace"
}

# Scenarios one after another in the tool's namespace; transcripts in RESULT_DIR/NAME.TOOL.
run_batch() {
  local tool=$1 files=("${@:2}")
  timeout -k 5 $((120 + 60 * ${#files[@]})) ip netns exec "differential-$tool-$$" \
    env PATH="$bin/$tool:$PATH" LC_ALL=C RESET_IPVSADM="$ours" bash "$here/run-batch.sh" "${files[@]}" >"$results/batch.$tool" 2>&1 ||
    echo "=== batch ended with status $?" >>"$results/batch.$tool"
  awk -v dir="$results" -v tool="$tool" '
    /^\036=== scenario / { if (out) close(out); name = $3; sub(/\.scenario$/, "", name); out = dir "/" name "." tool; printf "" >out; next }
    out { print >out }' "$results/batch.$tool"
}

if [ "$alone" != 1 ]; then
  for tool in reference ours; do
    new_namespace "differential-$tool-$$" || exit 1
    namespaces+=("differential-$tool-$$")
  done
fi
files=()
for file in "$scenarios"/*.scenario; do [ -e "$file" ] && files+=("$file"); done
total=0 identical=0 index=0
for ((first = 0; first < ${#files[@]}; first += batch)); do
  chunk=("${files[@]:first:batch}")
  # One tool at a time. The kernel's service table is shared by all namespaces, and a
  # netlink service dump resumes (in every dump, at least once, to find its end) by an
  # index that counts the services of every namespace: while the other namespace adds
  # or deletes services, either tool may list a service twice or not at all. Sync
  # daemons also stall when two namespaces stop theirs at once.
  if [ "$alone" = 1 ]; then
    for file in "${chunk[@]}"; do
      index=$((index + 1)) name=${file##*/} name=${name%.scenario}
      run_alone "$file" reference "diff-ref-$index" >"$results/$name.reference" 2>&1
      run_alone "$file" ours "diff-ours-$index" >"$results/$name.ours" 2>&1
    done
  else
    stale=()
    for file in "${chunk[@]}"; do name=${file##*/} name=${name%.scenario}; stale+=("$results/$name".{reference,ours}); done
    rm -f "${stale[@]}"
    run_batch reference "${chunk[@]}"
    run_batch ours "${chunk[@]}"
  fi
  # Builtins where they do: each process start costs about 0.1 s in the guest.
  same_batch=no
  [ "$alone" != 1 ] && cmp -s "$results/batch.reference" "$results/batch.ours" && same_batch=yes
  for file in "${chunk[@]}"; do
    name=${file##*/} name=${name%.scenario}
    total=$((total + 1))
    if [ -s "$results/$name.reference" ] &&
      { [ $same_batch = yes ] || cmp -s "$results/$name.reference" "$results/$name.ours"; }; then
      identical=$((identical + 1))
      continue
    fi
    echo "DIFFERENT: $name"
    diff -u "$results/$name.reference" "$results/$name.ours" | head -40
    if [ "$alone" != 1 ]; then
      index=$((index + 1))
      mkdir -p "$results/alone"
      run_alone "$file" reference "diff-ref-$index" >"$results/alone/$name.reference" 2>&1
      run_alone "$file" ours "diff-ours-$index" >"$results/alone/$name.ours" 2>&1
      if cmp -s "$results/alone/$name.reference" "$results/alone/$name.ours"; then
        echo "($name is identical run alone, in new namespaces: it differs after the scenarios before it)"
      else
        echo "($name differs run alone too: $results/alone)"
      fi
    fi
  done
done
rm -f "$results/batch.reference" "$results/batch.ours"
echo "differential: $identical/$total scenarios identical"
[ "$total" -gt 0 ] && [ "$identical" -eq "$total" ]
