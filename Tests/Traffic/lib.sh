# Shared helpers for the traffic tests; sourced by each topology script as
#   . "$(dirname "$0")/lib.sh" TEST_NAME OUR_IPVSADM
# Every namespace a test makes is named "tt<TEST>-<role>"; the EXIT trap kills the
# background processes the test started (by pid, then whatever still runs inside its
# own namespaces) and deletes those namespaces, whatever way the script ends.
# Results go to stdout ("PASS: ..."/"FAIL: ...") and to $TRAFFIC_RESULTS, which
# run.sh counts.
set -u
TEST=$1
IPVSADM=$(readlink -f "$2")
REF=/usr/sbin/ipvsadm
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
# -S -E: no site module (saves ~1 s of start-up in the guest); tt.py needs only builtins.
TT=("$PY" -S -E "$HERE/tt.py")
PREFIX="tt$TEST"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/traffic-$TEST.XXXXXX")
RESULTS=${TRAFFIC_RESULTS:-$WORK/results}
NSLIST=()
PIDS=()
# TRAFFIC_TRACE=FILE: an xtrace with timestamps, to see where the time goes.
if [ -n "${TRAFFIC_TRACE:-}" ]; then
  exec 9>>"$TRAFFIC_TRACE"; BASH_XTRACEFD=9; PS4='+ ${EPOCHREALTIME} '; set -x
fi

cleanup() {
  local pid ns
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for ns in "${NSLIST[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  for ns in "${NSLIST[@]}"; do ip netns delete "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "FAIL: $TEST: interrupted"; echo "FAIL $TEST interrupted" >>"$RESULTS"; exit 130' INT TERM

pass() { echo "PASS: $*"; echo "PASS $*" >>"$RESULTS"; }
fail() { echo "FAIL: $*"; echo "FAIL $*" >>"$RESULTS"; }
# expect NAME COMMAND...: PASS when COMMAND succeeds.
expect() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
note() { echo "  .. $*"; }
die() { fail "$TEST: setup: $*"; exit 1; }

ns() { echo "$PREFIX-$1"; }
# nsx NS COMMAND...: run in one of our namespaces. nsenter only switches the network
# namespace; `ip netns exec` also remounts /sys, which costs ~1 s in the guest.
if command -v nsenter >/dev/null; then
  nsx() { local n=$1; shift; nsenter --net="/run/netns/$PREFIX-$n" -- "$@"; }
else
  nsx() { local n=$1; shift; ip netns exec "$PREFIX-$n" "$@"; }
fi
# Topology building is queued and run as one `ip -batch` for the namespaces and veth
# pairs plus one per namespace (each process start costs ~0.1-0.5 s in the guest).
# ns_add NAME...; veth NS1 IF1 NS2 IF2; nsq NS IP-COMMAND...; then topo_apply.
declare -A NSQ=()
ROOTQ="" VETHQ=""
ns_add() {
  local n
  for n in "$@"; do
    NSLIST+=("$PREFIX-$n")
    ROOTQ+="netns add $PREFIX-$n"$'\n'
    NSQ[$n]="link set dev lo up"$'\n'
  done
}
veth() {
  VETHQ+="link add name $2 netns $PREFIX-$1 type veth peer name $4 netns $PREFIX-$3"$'\n'
  NSQ[$1]+="link set dev $2 up"$'\n'
  NSQ[$3]+="link set dev $4 up"$'\n'
}
nsq() { local n=$1; shift; NSQ[$n]+="$*"$'\n'; }
topo_apply() {
  local n
  printf '%s' "$ROOTQ$VETHQ" | ip -b - || die "ip -batch (namespaces, veths)"
  for n in "${!NSQ[@]}"; do
    printf '%s' "${NSQ[$n]}" | ip -n "$PREFIX-$n" -b - || die "ip -batch in $n"
  done
  ROOTQ="" VETHQ="" NSQ=()
}
# ipvs ARGS...: our ipvsadm in the director namespace; ref ARGS...: the reference.
ipvs() { nsx dir "$IPVSADM" "$@"; }
ref() { nsx dir "$REF" "$@"; }
# must ARGS...: our ipvsadm, and the setup fails if it does.
must() { ipvs "$@" || die "ipvsadm $* failed (exit $?)"; }

# start_http NS NAME PORT...: busybox httpd serving /id = NAME (HTTP/1.0, one
# connection per request; python3 -m http.server takes ~8 s to start in the guest).
start_http() {
  local n=$1 name=$2 port; shift 2
  mkdir -p "$WORK/www-$name"
  echo "$name" >"$WORK/www-$name/id"
  for port in "$@"; do
    nsx "$n" busybox httpd -f -p "0.0.0.0:$port" -h "$WORK/www-$name" >/dev/null 2>&1 &
    PIDS+=($!)
  done
}
# start_udp NS NAME PORT: UDP echo answering "NAME payload".
start_udp() {
  nsx "$1" "${TT[@]}" udp-server "$2" "$3" >/dev/null 2>&1 &
  PIDS+=($!)
}
# wait_listen NS tcp|udp PORT...: until each port is bound (at most 20 s).
wait_listen() {
  local n=$1 flag=-Hltn; shift
  [ "$1" = udp ] && flag=-Hlun
  shift
  nsx "$n" sh -c 'f=$1; shift
    for i in $(seq 200); do
      ok=1; for p in "$@"; do ss $f "sport = :$p" | grep -q . || ok=0; done
      [ $ok = 1 ] && exit 0; sleep 0.1
    done; exit 1' sh "$flag" "$@" || die "no $* listener in $n"
}

# http_requests OUTFILE HOST PORTS COUNT [tt.py options]: from the client namespace.
http_requests() {
  local out=$1; shift
  nsx cl timeout 90 "${TT[@]}" http-client "$@" >"$out" 2>"$out.err"
}
udp_requests() {
  local out=$1; shift
  nsx cl timeout 90 "${TT[@]}" udp-client "$@" >"$out" 2>"$out.err"
}
# report LABEL FILE NAME...: tallies a client output file (lines "INDEX PORT NAME"
# or "INDEX PORT FAIL reason") in one awk, sets SENT ANSWERED DISTINCT (how many
# different servers answered) and SPLIT ("rs1=10 rs2=10" over the NAMEs), and prints
# "LABEL: sent S answered A split SPLIT".
report() {
  local label=$1 f=$2; shift 2
  read -r SENT ANSWERED DISTINCT SPLIT < <(awk -v names="$*" '
    { sent++ } $3 != "FAIL" { ans++; if (!($3 in c)) d++; c[$3]++ }
    END { n = split(names, nm, " "); s = ""
          for (i = 1; i <= n; i++) s = s " " nm[i] "=" (c[nm[i]] + 0)
          print sent + 0, ans + 0, d + 0, s }' "$f")
  echo "$label: sent $SENT answered $ANSWERED split $SPLIT"
}
# stats_read: ours `-L -n --stats --exact`, kept for stat_line and shown indented.
# The kernel (6.1) folds its per-cpu counters into what it reports only on the 2 s
# estimator tick, so read after a tick and again after the next until two agree.
stats_read() {
  local i
  sleep 2.2
  ipvs -L -n --stats --exact >"$WORK/stats"
  for i in 1 2 3 4; do
    sleep 2.2
    ipvs -L -n --stats --exact >"$WORK/stats.next"
    cmp -s "$WORK/stats" "$WORK/stats.next" && break
    mv "$WORK/stats.next" "$WORK/stats"
  done
  sed 's/^/  | /' "$WORK/stats"
}
# stat_line SERVICE REAL: "Conns InPkts OutPkts InBytes OutBytes" from the last
# stats_read; SERVICE as "TCP 10.0.0.1:80" or "FWM 7", REAL as "10.0.0.2:80" or "-"
# for the service's own line.
stat_line() {
  awk -v svc="$1" -v rs="$2" '
    /^(TCP|UDP|SCTP|FWM)/ { cur = $1 " " $2; if (cur == svc && rs == "-") print $3, $4, $5, $6, $7 }
    /->/ { if (cur == svc && $2 == rs) print $3, $4, $5, $6, $7 }' "$WORK/stats"
}

# same_view ARGS...: ours and the reference print the same for `ipvsadm ARGS`,
# read back to back in the director namespace, retried while counters/timers tick.
same_view() {
  local i
  for i in 1 2 3 4 5 6 7 8; do
    ipvs "$@" >"$WORK/view.ours" 2>&1; echo "exit $?" >>"$WORK/view.ours"
    ref "$@" >"$WORK/view.ref" 2>&1; echo "exit $?" >>"$WORK/view.ref"
    cmp -s "$WORK/view.ours" "$WORK/view.ref" && return 0
    ref "$@" >"$WORK/view.ref" 2>&1; echo "exit $?" >>"$WORK/view.ref"
    ipvs "$@" >"$WORK/view.ours" 2>&1; echo "exit $?" >>"$WORK/view.ours"
    cmp -s "$WORK/view.ours" "$WORK/view.ref" && return 0
    sleep 0.3
  done
  echo "  ipvsadm $* differs (reference vs ours):"
  diff "$WORK/view.ref" "$WORK/view.ours" | head -20 | sed 's/^/    /'
  return 1
}

# same_conns ARGS...: as same_view for connection listings (-c), whose expiry
# timers (mm:ss) tick while the second tool starts: identical when read back to back,
# or else identical in every field but the timers, where ours (read second) may be
# behind the reference by at most the seconds the two reads took (rounded up, +1).
same_conns() {
  local i t0 t1 slack
  for i in 1 2 3; do
    t0=${EPOCHREALTIME/./}
    ref "$@" >"$WORK/view.ref" 2>&1; echo "exit $?" >>"$WORK/view.ref"
    ipvs "$@" >"$WORK/view.ours" 2>&1; echo "exit $?" >>"$WORK/view.ours"
    t1=${EPOCHREALTIME/./}
    cmp -s "$WORK/view.ours" "$WORK/view.ref" && { note "-c: identical"; return 0; }
  done
  slack=$(( (t1 - t0 + 999999) / 1000000 + 1 ))
  if awk -v slack="$slack" 'function secs(t, p) { split(t, p, ":"); return p[1] * 60 + p[2] }
      NR == FNR { ref[FNR] = $0; rn = FNR; next }
      { n = FNR; r = ref[FNR]; o = $0
        if (r == o) next
        split(r, rf, " "); split(o, of, " ")
        if (rf[2] !~ /^[0-9]+:[0-9][0-9]$/ || of[2] !~ /^[0-9]+:[0-9][0-9]$/) exit 1
        d = secs(rf[2]) - secs(of[2]); if (d < 0 || d > slack) exit 1
        sub(/^[A-Z]+ +[0-9]+:[0-9][0-9] /, "", r); sub(/^[A-Z]+ +[0-9]+:[0-9][0-9] /, "", o)
        if (r != o) exit 1; ticked++ }
      END { if (n != rn) exit 1
        printf "  .. -c: identical but %d expiry timers ticked (<= %d s, the time between the reads)\n", ticked, slack }' \
      "$WORK/view.ref" "$WORK/view.ours"; then
    return 0
  fi
  echo "  ipvsadm $* differs (reference vs ours; reads ${slack}s apart):"
  diff "$WORK/view.ref" "$WORK/view.ours" | head -12 | sed 's/^/    /'
  echo "    --- ours, first lines:"; head -8 "$WORK/view.ours" | sed 's/^/    /'
  if [ -n "${TRAFFIC_KEEP:-}" ]; then
    cp "$WORK/view.ref" "$TRAFFIC_KEEP/$TEST.conns.ref"; cp "$WORK/view.ours" "$TRAFFIC_KEEP/$TEST.conns.ours"
  fi
  return 1
}

# The two topologies. Addresses are private and live only in our namespaces.
# build_nat NET N: client cl (NET.1.2) -- director dir (NET.1.1, VIP NET.1.100) with
# bridge br0 NET.2.1 -- real servers rs1..rsN (NET.2.1i, default via director).
build_nat() {
  local net=$1 n=$2 i
  VIP=$net.1.100 CLIENT=$net.1.2
  ns_add cl dir
  veth cl eth0 dir c0
  nsq cl addr add "$CLIENT/24" dev eth0
  nsq dir addr add "$net.1.1/24" dev c0
  nsq dir addr add "$VIP/32" dev c0
  nsq dir link add name br0 type bridge
  nsq dir link set dev br0 up
  nsq dir addr add "$net.2.1/24" dev br0
  RS=()
  for i in $(seq "$n"); do
    ns_add "rs$i"
    veth "rs$i" eth0 dir "r$i"
    nsq dir link set dev "r$i" master br0
    nsq "rs$i" addr add "$net.2.1$i/24" dev eth0
    nsq "rs$i" route add default via "$net.2.1"
    RS+=("$net.2.1$i")
  done
  topo_apply
  nsx dir sysctl -qw net.ipv4.ip_forward=1
}
# build_routed NET N SAME_LAN: client cl (NET.1.2) -- router rt (NET.1.1; bridge br0
# NET.2.1) -- director dir (NET.2.2, VIP NET.2.100) on br0. Real servers rs1..rsN on
# br0 too when SAME_LAN=1 (NET.2.1i), else on a second bridge br1 NET.3.1 (NET.3.1i);
# their default route is the router, never the director. The director does not forward.
build_routed() {
  local net=$1 n=$2 same=$3 i lan=2 br=br0
  VIP=$net.2.100 CLIENT=$net.1.2
  ns_add cl rt dir
  veth cl eth0 rt c0
  veth dir eth0 rt d0
  nsq cl addr add "$CLIENT/24" dev eth0
  nsq cl route add default via "$net.1.1"
  nsq rt addr add "$net.1.1/24" dev c0
  nsq rt link add name br0 type bridge
  nsq rt link set dev br0 up
  nsq rt addr add "$net.2.1/24" dev br0
  nsq rt link set dev d0 master br0
  nsq dir addr add "$net.2.2/24" dev eth0
  nsq dir addr add "$VIP/32" dev eth0
  nsq dir route add default via "$net.2.1"
  if [ "$same" != 1 ]; then
    lan=3 br=br1
    nsq rt link add name br1 type bridge
    nsq rt link set dev br1 up
    nsq rt addr add "$net.3.1/24" dev br1
  fi
  RS=()
  for i in $(seq "$n"); do
    ns_add "rs$i"
    veth "rs$i" eth0 rt "r$i"
    nsq rt link set dev "r$i" master $br
    nsq "rs$i" addr add "$net.$lan.1$i/24" dev eth0
    nsq "rs$i" route add default via "$net.$lan.1"
    RS+=("$net.$lan.1$i")
  done
  topo_apply
  nsx rt sysctl -qw net.ipv4.ip_forward=1
  nsx dir sysctl -qw net.ipv4.ip_forward=0
}
# rs_arp_quiet NS: the VIP on a real server must not be announced or answered for.
rs_arp_quiet() {
  nsx "$1" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
    net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
}
