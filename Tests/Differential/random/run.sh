#!/usr/bin/env bash
# Randomised differential testing, run inside the test VM: generate.py writes COUNT
# random command lines (sequences of PER_SEQUENCE, from SEED) as scenarios, and
# Tests/Differential/run.sh runs them through the reference and through ours and compares
# the transcripts, a batch of sequences at a time. Each sequence that differs is kept,
# ready to commit, as RESULT_DIR/differences/NAME.scenario with its transcripts' diff in
# NAME.diff.
# Usage: run.sh OUR_IPVSADM SEED COUNT RESULT_DIR [PER_SEQUENCE [SECONDS]]
# With SECONDS, no batch starts after that much time (counted from the start, module
# loading included; a batch of RANDOM_DIFF_BATCH sequences, default 10, takes about a
# minute): the summary counts what ran.
# Prints "random differential: N/M sequences identical (seed S, K commands)".
set -u
ours=$(readlink -f "$1") seed=$2 count=$3 results=$4 per=${5:-30} budget=${6:-0}
here=$(cd "$(dirname "$0")" && pwd)
batch=${RANDOM_DIFF_BATCH:-10}
start=$SECONDS
rm -rf "$results/scenarios" "$results/transcripts" "$results/differences" "$results/one"
mkdir -p "$results/scenarios" "$results/differences"
# The first use of a scheduler or persistence-engine module loads it under IPVS's mutex,
# which a namespace being deleted may hold for a minute: load them all up front.
for module in ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh \
  ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_pe_sip ip_vs_ftp; do
  modprobe "$module" 2>/dev/null
done
python3 "$here/generate.py" "$seed" "$count" "$results/scenarios" "$per" >/dev/null || exit 1
files=("$results/scenarios"/*.scenario)
total=0 identical=0 commands=0 restore_lines=0
for ((first = 0; first < ${#files[@]}; first += batch)); do
  if [ "$budget" -gt 0 ] && [ $((SECONDS - start)) -ge "$budget" ]; then
    echo "time budget of $budget s spent: $total of the ${#files[@]} generated sequences ran"
    break
  fi
  chunk=("${files[@]:first:batch}")
  # A batch through the differential suite's own runner and comparison.
  rm -rf "$results/one" && mkdir "$results/one" && ln -s "${chunk[@]}" "$results/one/"
  DIFFERENTIAL_BATCH=$batch bash "$here/../run.sh" "$ours" "$results/one" "$results/transcripts" \
    >"$results/batch.log" 2>&1
  cat "$results/batch.log" >>"$results/run.log"
  for file in "${chunk[@]}"; do
    IFS= read -r heading <"$file"
    [[ $heading =~ :\ ([0-9]+)\ commands,\ ([0-9]+)\ -R ]] &&
      commands=$((commands + BASH_REMATCH[1])) restore_lines=$((restore_lines + BASH_REMATCH[2]))
  done
  total=$((total + ${#chunk[@]}))
  if [[ $(<"$results/batch.log") =~ differential:\ ([0-9]+)/ ]]; then
    identical=$((identical + BASH_REMATCH[1]))
  fi
  while IFS= read -r line; do
    [[ $line =~ ^DIFFERENT:\ (.*)$ ]] || continue
    name=${BASH_REMATCH[1]}
    cp "$results/scenarios/$name.scenario" "$results/differences/"
    diff -u "$results/transcripts/$name.reference" "$results/transcripts/$name.ours" >"$results/differences/$name.diff"
    echo "DIFFERENT: $name (replay: generate.py $seed $count DIR $per)"
    head -n 30 "$results/differences/$name.diff"
    grep -F "($name " "$results/batch.log"
  done <"$results/batch.log"
done
rm -rf "$results/one" "$results/batch.log"
echo "random differential: $identical/$total sequences identical (seed $seed, $commands commands)"
echo "($restore_lines lines of -R input among them; $((SECONDS - start)) s)"
[ "$total" -gt 0 ] && [ "$identical" -eq "$total" ]
