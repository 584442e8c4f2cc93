#!/usr/bin/env bash
# Drives the bash completion (completion/ipvsadm.bash) as bash does: COMP_LINE,
# COMP_POINT, COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY checked.
# Static words on any host; the table's services and real servers from a stand-in
# ipvsadm that prints a fixed `-S -n` (the guest's package test completes live ones).
# Usage: Tests/Install/completion.sh [COMPLETION_FILE]   (prints PASS/FAIL lines)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/Tests/Install/lib.sh"
script=${1:-$root/completion/ipvsadm.bash}
table=$root/Sources/IPVSAdmin/OptionTable.swift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# shellcheck source=/dev/null
. "$script"
check "complete -p ipvsadm" "complete -F _ipvsadm ipvsadm" "$(complete -p ipvsadm 2>&1)"

# complete_line LINE: the replies for the cursor at the end of LINE, sorted, one line.
complete_line() {
  COMP_LINE=$1 COMP_POINT=${#1}
  read -r -a COMP_WORDS <<<"$1"
  [[ $1 == *' ' ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _ipvsadm ipvsadm "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]-}"
  printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}
# has LINE WORD...: every WORD is among the replies.
has() {
  local line=$1 replies missing="" word; shift
  replies=" $(complete_line "$line") "
  for word in "$@"; do [[ $replies == *" $word "* ]] || missing+=" $word"; done
  check "complete [$line] offers $*" "" "$missing"
}
# lacks LINE WORD...: no WORD is among the replies.
lacks() {
  local line=$1 replies extra="" word; shift
  replies=" $(complete_line "$line") "
  for word in "$@"; do [[ $replies != *" $word "* ]] || extra+=" $word"; done
  check "complete [$line] leaves out $*" "" "$extra"
}

schedulers=$(grep -oE 'schedulers = "[a-z|]+"' "$root/Sources/IPVSAdmin/Usage.swift" | sed 's/.*"\(.*\)"/\1/' | tr '|' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
check "schedulers" "$schedulers" "$(complete_line 'ipvsadm -A -t 10.0.0.1:80 -s ')"
check "schedulers starting with w" "wlc wrr" "$(complete_line 'ipvsadm -A -t 10.0.0.1:80 --scheduler w')"
has "ipvsadm -" -A --add-service -E -D -C -R -S -a -e -d -L -l -Z --set --start-daemon --stop-daemon -h -v --apply --diff --dry-run --netns
lacks "ipvsadm -" --weight -w --stats
check "commands starting with --st" "--start-daemon --stop-daemon" "$(complete_line 'ipvsadm --st')"
has "ipvsadm -A -t 10.0.0.1:80 -" -s --scheduler -p --persistent -M --netmask --pe -b --sched-flags -o --ops -6 --netns
lacks "ipvsadm -A -t 10.0.0.1:80 -" -r -w -A --stats
has "ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2 -" -g --gatewaying -i --ipip -m --masquerading -w --weight -x -y --u-threshold --l-threshold --tun-type --tun-port --tun-nocsum --tun-csum --tun-remcsum
lacks "ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2 -" -s --pe --stats
has "ipvsadm -Ln -" --stats --rate --exact -X --thresholds --persistent-conn --tun-info --nosort --sort -c --connection --timeout --daemon --json -n
has "ipvsadm -S -" -n --numeric --json
lacks "ipvsadm -S -" -t -c
has "ipvsadm --start-daemon master -" --mcast-interface --syncid --sync-maxlen --mcast-group --mcast-port --mcast-ttl
has "ipvsadm --apply rules.json -" --drain
check "persistence engines" "sip" "$(complete_line 'ipvsadm -A -u 10.0.0.1:5060 --pe ')"
check "tunnel types" "gre gue ipip" "$(complete_line 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2 -i --tun-type ')"
check "daemon states" "backup master" "$(complete_line 'ipvsadm --start-daemon ')"
check "daemon states (stop)" "backup" "$(complete_line 'ipvsadm --stop-daemon b')"
check "-b flags for sh" "flag-1 flag-2 flag-3 sh-fallback sh-port" "$(complete_line 'ipvsadm -A -t 10.0.0.1:80 -s sh -b ')"
check "-b flags for rr" "flag-1 flag-2 flag-3" "$(complete_line 'ipvsadm -A -t 10.0.0.1:80 -s rr -b ')"
check "-b second flag" "mh-fallback,mh-fallback mh-fallback,mh-port" "$(complete_line 'ipvsadm -E -t 10.0.0.1:80 -s mh -b mh-fallback,mh')"
check "-p takes an optional number" "" "$(complete_line 'ipvsadm -A -t 10.0.0.1:80 -p ')"
has "ipvsadm -A -t 10.0.0.1:80 -p -" -s -M
check "weight: nothing" "" "$(complete_line 'ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2 -w ')"
check "no table lookup without the program: -A" "" "$(complete_line 'ipvsadm -A -t ')"
# COMP_WORDS and COMP_CWORD alone (no COMP_LINE), as some callers set them.
COMP_LINE="" COMP_WORDS=(ipvsadm -A -t 10.0.0.1:80 -s l) COMP_CWORD=5 COMPREPLY=()
_ipvsadm ipvsadm l -s
check "COMP_WORDS only" "lblc lblcr lc" "$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')"

# Every long option of the option table is offered after some command.
missing=""
for option in $(option_table_longs "$table"); do
  grep -qE -- "(^|[ \"|(])--$option([ \")|]|\$)" "$script" || missing+=" --$option"
done
check "the completion knows every long option of OptionTable.swift" "" "$missing"

# The table, from a stand-in ipvsadm (by its path, as words[0]) that prints a fixed save.
fake=$scratch/ipvsadm
cat >"$fake" <<FAKE
#!/bin/sh
echo "\$*" >>"$scratch/calls"
cat <<'RULES'
-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1
-a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m -w 1
-A -u 10.0.0.1:53 -s wlc
-a -u 10.0.0.1:53 -r 10.0.0.4:53 -g -w 1
-A -t [2001:db8::1]:443 -s rr
-a -t [2001:db8::1]:443 -r [2001:db8::2]:443 -g -w 1
-A --sctp-service 10.0.0.5:9 -s rr
-A -f 7 -s rr
-a -f 7 -r 10.0.0.6:0 -g -w 1
-A -f 8 -6 -s rr
-a -f 8 -6 -r [2001:db8::8]:0 -g -w 1
RULES
FAKE
chmod +x "$fake"
check "TCP services" "10.0.0.1:80 [2001:db8::1]:443" "$(complete_line "$fake -D -t ")"
check "UDP services" "10.0.0.1:53" "$(complete_line "$fake -E -u ")"
check "SCTP services" "10.0.0.5:9" "$(complete_line "$fake -L --sctp-service ")"
check "fwmark services" "7 8" "$(complete_line "$fake -Z -f ")"
check "services for -a" "10.0.0.1:80 [2001:db8::1]:443" "$(complete_line "$fake -a --tcp-service ")"
# After "10.0.0.1:" bash replaces only what follows the colon.
check "service after its colon" "80" "$(complete_line "$fake -D -t 10.0.0.1:")"
check "no services for -A" "" "$(complete_line "$fake -A -t ")"
check "real servers of the service" "10.0.0.2:80 10.0.0.3:8080" "$(complete_line "$fake -d -t 10.0.0.1:80 -r ")"
check "real servers, service after -r" "10.0.0.2:80 10.0.0.3:8080 10.0.0.4:53 10.0.0.6:0 [2001:db8::2]:443 [2001:db8::8]:0" "$(complete_line "$fake -e -r ")"
check "real servers of an IPv6 fwmark service" "[2001:db8::8]:0" "$(complete_line "$fake -e -f 8 -r ")"
check "real servers of a UDP service" "10.0.0.4:53" "$(complete_line "$fake -e -u 10.0.0.1:53 -r 10.0.0")"
check "no real servers for -a" "" "$(complete_line "$fake -a -t 10.0.0.1:80 -r ")"
: >"$scratch/calls"
complete_line "$fake --netns blue -D -t " >/dev/null
check "table read in the --netns namespace" "--netns blue -S -n" "$(cat "$scratch/calls")"
# A failing ipvsadm (no IPVS, not root): nothing offered, nothing printed.
cat >"$fake" <<'FAKE'
#!/bin/sh
echo "Can't initialize ipvs: Permission denied (you must be root)" >&2
exit 2
FAKE
output=$(complete_line "$fake -D -t " 2>&1)
check "silent when ipvsadm fails" "" "$output"
# A hanging ipvsadm: given up after the time limit.
printf '#!/bin/sh\nexec sleep 30\n' >"$fake"
start=$SECONDS
output=$(complete_line "$fake -D -t " 2>&1)
elapsed=$((SECONDS - start))
check "a hanging ipvsadm: nothing offered" "" "$output"
[ "$elapsed" -le 4 ] && pass "a hanging ipvsadm: given up after ${elapsed}s" || fail "a hanging ipvsadm held completion ${elapsed}s"

echo "completion: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
