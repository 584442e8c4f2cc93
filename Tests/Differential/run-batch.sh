#!/usr/bin/env bash
# Runs scenario files one after another in the current network namespace, each from the
# state of a new namespace, and writes their transcripts (see transcript.sh) to stdout,
# each after a line "\036=== scenario NAME". Between files the table is cleared, and the
# sync daemons and timeouts a file may have changed are put back as a new namespace has
# them: one bash and no namespace per file, where process starts are what an emulated
# guest spends its time on (the reference's, dynamically linked, about 0.16 s each).
# The putting back is the harness's work, done after the reference has dumped the
# table, so it is done by RESET_IPVSADM (run.sh passes ours: a sixth of the start-up).
# Real servers deleted by one file stay in the kernel's per-namespace trash for a
# while; both tools run the same files in the same order, so both meet the same trash.
# Usage: run-batch.sh SCENARIO...
set -u
. "$(dirname "$0")/transcript.sh"
reset=${RESET_IPVSADM:-${REFERENCE_IPVSADM:-/usr/sbin/ipvsadm}}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for file in "$@"; do
  printf '\036=== scenario %s\n' "${file##*/}"
  # In a subshell: variables a scenario sets stay in it.
  ( transcribe "$file" "$scratch" )
  IFS= read -r -d '' content <"$file"
  "$reset" -C >/dev/null 2>&1
  # Options and -R input alike name these by their long names (no abbreviations).
  if [[ $content == *daemon* ]]; then
    "$reset" --stop-daemon master >/dev/null 2>&1
    "$reset" --stop-daemon backup >/dev/null 2>&1
  fi
  # The kernel's defaults (tcp, tcp_fin, udp).
  [[ $content == *set* ]] && "$reset" --set 900 120 300 >/dev/null 2>&1
done
exit 0
