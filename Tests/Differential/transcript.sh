# Sourced by run-scenario.sh and run-batch.sh: `transcribe FILE` runs a scenario
# file's command lines in the current network namespace and writes its transcript to
# stdout. Each non-blank line not starting with '#' is a shell command line; the word
# `ipvsadm` in it runs whichever tool is first on PATH. The transcript records, per line,
# the exit status, standard output and standard error, and ends with the table as the
# reference tool saves it (`-S -n`), so the kernel state is compared too.
# A second argument names a directory for the commands' output (else one is made and
# removed: two process starts, which a batch of scenarios saves).
transcribe() {
  local scenario=$1 scratch=${2:-} line status text
  [ -n "$scratch" ] || scratch=$(mktemp -d) || return 1
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    eval "$line" >"$scratch/out" 2>"$scratch/err" </dev/null
    status=$?
    printf '$ %s\n[exit %d]\n' "$line" "$status"
    # Builtins only: in the emulated guest every process start costs ~0.1 s.
    if [ -s "$scratch/out" ]; then echo '--- stdout'; IFS= read -r -d '' text <"$scratch/out"; printf '%s' "$text"; fi
    if [ -s "$scratch/err" ]; then echo '--- stderr'; IFS= read -r -d '' text <"$scratch/err"; printf '%s' "$text"; fi
  done <"$scenario"
  echo '=== final table (reference ipvsadm -S -n)'
  "${REFERENCE_IPVSADM:-/usr/sbin/ipvsadm}" -S -n 2>&1
  [ -n "${2:-}" ] || rm -rf "$scratch"
}
