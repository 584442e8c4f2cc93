# Shared helpers for the high-availability tests; sourced by each test script as
#   . "$(dirname "$0")/lib.sh" TEST_NAME OUR_IPVSADM
# Builds on the traffic tests' helpers (../Traffic/lib.sh: namespaces "tt<TEST>-<role>",
# queued `ip -batch` topology, PASS/FAIL counting, the EXIT trap that stops whatever
# the test started and deletes its namespaces).
#
# The topology: one LAN, a bridge in namespace "lan" (multicast snooping off, so the
# VRRP adverts and the sync daemons' multicast reach every port), and on it the client
# cl, the directors d1 and d2 and the real servers rs1..rsN. LVS-DR: the VIP sits on
# each real server's lo (arp_ignore=1, arp_announce=2) and the real servers answer the
# client directly; the director that holds the VIP on eth0 (moved by keepalived's
# VRRP) rewrites the MAC of the client's packets. Every IPVS rule and daemon comes
# from our ipvsadm; keepalived runs with the VRRP subsystem only (-P).
HA_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HA_HERE/../Traffic/lib.sh" "$1" "$2"
HA=("$PY" -S -E "$HA_HERE/ha.py")
KEEPALIVED=$(command -v keepalived || echo /usr/sbin/keepalived)
SYNCID=17 MPORT=8850 MTTL=2
GROUP4=239.1.1.81 GROUP6=ff02::8850
ECHO_PORT=7000 HTTP_PORT=80

# ipvs/ref (and so same_view/same_conns) act in director $DIR.
DIR=d1
ipvs() { nsx "$DIR" "$IPVSADM" "$@"; }
ref() { nsx "$DIR" "$REF" "$@"; }
# on D ARGS...: our ipvsadm in director D; the setup fails if it does.
on() { local d=$1; shift; nsx "$d" "$IPVSADM" "$@" || die "ipvsadm $* in $d failed (exit $?)"; }

# ha_lan 4|6 NET N: the LAN with the client, the directors d1 and d2 (eth0 at
# addresses .11 and .12) and N real servers (the VIP on lo), in one batch. NET is
# "10.81" for IPv4 and "fd81" for IPv6. Sets AF, VIP, CLIENT, RS (real-server
# addresses) and V (the VIP as a service address: 10.81.0.100 or [fd81::100]).
ha_lan() {
  local i
  AF=$1 NET=$2 NRS=$3
  if [ "$AF" = 4 ]; then
    VIP=$NET.0.100 CLIENT=$NET.0.2 PLEN=24 V=$VIP NODAD=
  else
    VIP=$NET::100 CLIENT=$NET::2 PLEN=64 V="[$VIP]" NODAD=nodad
  fi
  ns_add lan cl
  nsq lan link add name br0 type bridge mcast_snooping 0
  nsq lan link set dev br0 up
  veth cl eth0 lan p-cl
  nsq lan link set dev p-cl master br0
  nsq cl addr add "$(addr_of 2)/$PLEN" dev eth0 $NODAD
  RS=()
  for i in $(seq "$NRS"); do
    ns_add "rs$i"
    veth "rs$i" eth0 lan "p-rs$i"
    nsq lan link set dev "p-rs$i" master br0
    nsq "rs$i" addr add "$(addr_of "2$i")/$PLEN" dev eth0 $NODAD
    nsq "rs$i" addr add "$VIP/$([ "$AF" = 4 ] && echo 32 || echo 128)" dev lo $NODAD
    RS+=("$(addr_of "2$i")")
  done
  queue_director d1 1
  queue_director d2 2
  topo_apply
  [ "$AF" = 4 ] && for i in $(seq "$NRS"); do rs_arp_quiet "rs$i"; done
}
# start_servers [http]: on each real server the echo server on ECHO_PORT (and
# with "http" busybox httpd on HTTP_PORT, serving /id), until they listen.
start_servers() {
  local i ports=("$ECHO_PORT")
  [ "${1:-}" = http ] && ports+=("$HTTP_PORT")
  for i in $(seq "$NRS"); do
    nsx "rs$i" "${HA[@]}" echo-server "rs$i" "$ECHO_PORT" >/dev/null 2>&1 &
    PIDS+=($!)
    [ "${1:-}" = http ] && start_http "rs$i" "rs$i" "$HTTP_PORT"
  done
  for i in $(seq "$NRS"); do wait_listen "rs$i" tcp "${ports[@]}"; done
}
# addr_of HOST: the LAN address of host number HOST (2 client, 11/12 directors, 2i real servers).
addr_of() { if [ "$AF" = 4 ]; then echo "$NET.0.$1"; else echo "$NET::$1"; fi; }

# queue_director D N: director D on the LAN at address addr_of(1N), queued for
# topo_apply; add_director does it at once (a director that "reboots": a new
# namespace, so an empty IPVS table and no daemon).
queue_director() {
  ns_add "$1"
  veth "$1" eth0 lan "p-$1"
  nsq lan link set dev "p-$1" master br0
  nsq "$1" addr add "$(addr_of "1$2")/$PLEN" dev eth0 $NODAD
}
add_director() { queue_director "$@"; topo_apply; }
# wait_dad NS...: until no IPv6 address is tentative (link-local addresses are
# needed by VRRPv3 and by the IPv6 sync daemon), at most 15 s.
wait_dad() {
  local n i
  for n in "$@"; do
    for i in $(seq 150); do
      ip -n "$(ns "$n")" -6 addr show tentative | grep -q . || continue 2
      sleep 0.1
    done
    die "IPv6 addresses still tentative in $n"
  done
}

# rules D: the virtual services, with our ipvsadm in director D (one -R): a
# round-robin echo service for the long-lived sessions and a persistent web
# service (-p 300 -M 255.255.255.0, or /64 for IPv6), both LVS-DR (-g).
rules() {
  local r mask=255.255.255.0
  [ "$AF" = 6 ] && mask=64
  {
    echo "-A -t $V:$ECHO_PORT -s rr"
    echo "-A -t $V:$HTTP_PORT -s rr -p 300 -M $mask"
    for r in "${RS[@]}"; do
      [ "$AF" = 6 ] && r="[$r]"
      echo "-a -t $V:$ECHO_PORT -r $r:$ECHO_PORT -g -w 1"
      echo "-a -t $V:$HTTP_PORT -r $r:$HTTP_PORT -g -w 1"
    done
  } | nsx "$1" "$IPVSADM" -R || die "ipvsadm -R in $1 failed"
}
# daemon D master|backup: a sync daemon with our ipvsadm, on eth0, with an explicit
# sync id, multicast group, port and (master) TTL.
daemon() {
  local group=$GROUP4 extra=()
  [ "$AF" = 6 ] && group=$GROUP6
  [ "$2" = master ] && extra=(--mcast-ttl "$MTTL")
  on "$1" --start-daemon "$2" --syncid "$SYNCID" --mcast-interface eth0 \
    --mcast-group "$group" --mcast-port "$MPORT" "${extra[@]}"
}

# keepalived D PRIORITY STATE: keepalived's VRRP (one vrrp_instance, no IPVS
# configuration at all) in director D, holding the VIP on eth0.
# IPv4: VRRPv2, 1 s adverts (the backup takes over ~3.6 s after the last advert).
# IPv6: VRRPv3 with the same interval.
keepalived() {
  local d=$1 conf="$WORK/keepalived-$1.conf" version=2 plen=32
  [ "$AF" = 6 ] && version=3 plen=128
  cat >"$conf" <<EOF
global_defs {
  router_id $d
  vrrp_garp_master_repeat 3
  vrrp_garp_master_refresh 0
}
vrrp_instance VI_$AF {
  state $3
  interface eth0
  virtual_router_id 81
  version $version
  priority $2
  advert_int 1
  virtual_ipaddress {
    $VIP/$plen dev eth0
  }
}
EOF
  # In a subshell whose stderr is dropped: bash's "Killed" notice when the director dies.
  (ip netns exec "$(ns "$d")" "$KEEPALIVED" -n -P -l -D -R -f "$conf" \
    -p "$WORK/keepalived-$d.pid" -r "$WORK/keepalived-$d-vrrp.pid" >"$WORK/keepalived-$d.log" 2>&1; true) 2>/dev/null &
  PIDS+=($!)
}
# has_vip D: the VIP is on D's eth0.
has_vip() { ip -n "$(ns "$1")" -o addr show dev eth0 2>/dev/null | grep -q " $VIP/"; }
# wait_vip D SECONDS [T0]: until D holds the VIP; sets WAITED (seconds since T0, an
# EPOCHREALTIME without its dot, by default now).
wait_vip() {
  local i t0=${3:-${EPOCHREALTIME/./}}
  for i in $(seq $(($2 * 10))); do
    if has_vip "$1"; then WAITED=$(elapsed "$t0"); return 0; fi
    sleep 0.1
  done
  WAITED=$(elapsed "$t0")
  return 1
}
# elapsed T0: seconds since T0 (an EPOCHREALTIME without its dot), 0.1 s resolution.
elapsed() { local d=$(( ${EPOCHREALTIME/./} - $1 )); printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000)); }

# kill_director D [delete]: the director dies: its switch port goes down (with
# "delete", the veth pair goes), which is the moment it falls silent, both its data
# path and its VRRP adverts; then its keepalived is frozen and killed (SIGSTOP first:
# keepalived's VRRP child takes its parent's death as a SIGTERM and would remove the
# VIP and send a priority-0 advert; a dead machine does nothing), so the VIP stays
# configured where nobody can reach it. With "delete" its namespace goes too (a
# rebooting machine: IPVS table and daemons lost). Sets KILLED_AT (an EPOCHREALTIME
# without its dot); `status NAME .kill` reads what each session had exchanged by then.
kill_director() {
  local pids f
  pids=$(cat "$WORK/keepalived-$1.pid" "$WORK/keepalived-$1-vrrp.pid" 2>/dev/null)
  KILLED_AT=${EPOCHREALTIME/./}
  if [ "${2:-}" = delete ]; then
    # The veth pair goes at once (not when the namespace's teardown gets to it), so
    # the director can come back under the same names.
    ip -n "$(ns lan)" link del dev "p-$1" 2>/dev/null
  else
    ip -n "$(ns lan)" link set dev "p-$1" down 2>/dev/null
  fi
  # What every session had exchanged when the director went silent.
  for f in "$WORK"/*.status; do [ -f "$f" ] && cp "$f" "$f.kill"; done
  [ -n "$pids" ] || pids=$(ip netns pids "$(ns "$1")")
  kill -STOP $pids 2>/dev/null
  kill -KILL $pids 2>/dev/null
  [ "${2:-}" = delete ] && ip netns delete "$(ns "$1")"
  return 0
}
# vrrp_log D: keepalived's state changes in D (from its log), indented.
vrrp_log() { grep -h -o 'VI_[46]) Entering [A-Z]* STATE.*\|VI_[46]) .*priority 0.*' "$WORK/keepalived-$1.log" 2>/dev/null | sed "s/^/  $1 keepalived | /"; }

# Faster than the traffic tests' cleanup (one pass over /proc for whatever still
# runs in our namespaces, one `ip -batch` to delete them): the same effect.
cleanup() {
  local pid f inodes
  trap - EXIT INT TERM
  exec 2>/dev/null
  for f in "$WORK"/keepalived-*.pid; do [ -f "$f" ] && kill -9 $(cat "$f"); done
  for pid in "${PIDS[@]}"; do kill -9 "$pid"; done
  inodes=$(cd /run/netns && stat -L -c '%i' $(printf '%s\n' "${NSLIST[@]}" | sort -u) | paste -sd ' ')
  if [ -n "$inodes" ]; then
    for pid in $(ls -l /proc/[0-9]*/ns/net | awk -v list=" $inodes " '
        { ino = $NF; gsub(/[^0-9]/, "", ino); if (index(list, " " ino " ")) { split($(NF-2), p, "/"); print p[3] } }'); do
      kill -9 "$pid"
    done
  fi
  for pid in "${PIDS[@]}"; do wait "$pid"; done
  printf 'netns delete %s\n' "${NSLIST[@]}" | sort -u | ip -force -b -
  rm -rf "$WORK"
}

# session NAME: a long-lived echo session from the client through the VIP, in the
# background; status in $WORK/NAME.status, result line in $WORK/NAME.out. Ends
# when $WORK/stop appears (or after 200 s, or at a 30 s stall).
session() {
  rm -f "$WORK/$1.status"
  nsx cl timeout 240 "${HA[@]}" session "$VIP" "$ECHO_PORT" "$WORK/$1.status" "$WORK/stop" \
    --interval 0.1 --size 100 --timeout 30 --deadline 200 >"$WORK/$1.out" 2>&1 &
  PIDS+=($!)
  eval "SESSION_PID_$1=\$!"
}
# status NAME [.kill]: sets S_NAME S_ROUNDS S_SENT S_RECV S_GAP S_PORT (the client's port)
# from the session's status (with .kill: as it was when the last director died).
status() {
  S_NAME=- S_ROUNDS=0 S_SENT=0 S_RECV=0 S_GAP=0 S_PORT=0
  [ -f "$WORK/$1.status${2:-}" ] && read -r S_NAME S_ROUNDS S_SENT S_RECV S_GAP S_PORT <"$WORK/$1.status${2:-}"
  return 0
}
# wait_rounds NAME COUNT SECONDS: until the session has done COUNT rounds.
wait_rounds() {
  local i
  for i in $(seq $(($3 * 10))); do
    status "$1"; [ "$S_ROUNDS" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}
# finish NAME...: stops the sessions (they end after their current round) and waits
# for them, at most 40 s each; sets RESULT_<NAME> to the session's result line.
finish() {
  local n pid i
  touch "$WORK/stop"
  for n in "$@"; do
    eval "pid=\$SESSION_PID_$n"
    for i in $(seq 400); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null
    eval "RESULT_$n=\$(grep -h '^RESULT' \"\$WORK/$n.out\" || echo 'RESULT outcome=none')"
  done
}
# field KEY LINE: the value of KEY= in a result line.
field() { local k=$1; shift; tr ' ' '\n' <<<"$*" | sed -n "s/^$k=//p"; }

# conns D [ARGS]: our `-L -n -c ARGS` in director D, without its two heading lines.
conns() { local d=$1; shift; nsx "$d" "$IPVSADM" -L -n -c "$@" | tail -n +3; }
# wait_synced D COUNT SECONDS: until D's connection table (ours, -L -n -c) lists at
# least COUNT ESTABLISHED entries towards the echo port; sets WAITED.
wait_synced() {
  local i t0=${EPOCHREALTIME/./}
  for i in $(seq $(($3 * 4))); do
    [ "$(conns "$1" | grep -c "ESTABLISHED .*:$ECHO_PORT ")" -ge "$2" ] && { WAITED=$(elapsed "$t0"); return 0; }
    sleep 0.25
  done
  WAITED=$(elapsed "$t0")
  return 1
}
# http_from_client OUT COUNT: COUNT new connections to the persistent web service.
http_from_client() { http_requests "$1" "$VIP" "$HTTP_PORT" "$2" --timeout 5 --deadline 60; }

# synced_conns_same ARGS...: ours and the reference print the same `ipvsadm ARGS`
# (a -c listing) in director $DIR, a backup that sync messages keep updating: identical
# when read back to back (up to 4 tries), or else identical once the expiry column is
# set aside, as every sync message for a live connection resets its timer, between the
# two reads as well (in either direction, unlike a master's timers that only count down).
synced_conns_same() {
  local i
  for i in 1 2 3 4; do
    ref "$@" >"$WORK/view.ref" 2>&1; echo "exit $?" >>"$WORK/view.ref"
    ipvs "$@" >"$WORK/view.ours" 2>&1; echo "exit $?" >>"$WORK/view.ours"
    cmp -s "$WORK/view.ours" "$WORK/view.ref" && { note "-c: identical"; return 0; }
  done
  if cmp -s <(awk '$2 ~ /^[0-9]+:[0-9][0-9]$/ { $2 = "mm:ss" } { print }' "$WORK/view.ref") \
            <(awk '$2 ~ /^[0-9]+:[0-9][0-9]$/ { $2 = "mm:ss" } { print }' "$WORK/view.ours"); then
    note "-c: identical but expiry timers (refreshed by sync between the reads)"
    return 0
  fi
  echo "  ipvsadm $* differs (reference vs ours):"
  diff "$WORK/view.ref" "$WORK/view.ours" | head -12 | sed 's/^/    /'
  return 1
}
# wait_single_vip D SECONDS: until D holds the VIP and no other director does (at
# start both may hold it a moment: the backup's first timer can run out before the
# master's first advert arrives).
wait_single_vip() {
  local i other=d2
  [ "$1" = d2 ] && other=d1
  wait_vip "$1" "$2" || return 1
  for i in $(seq $(($2 * 10))); do has_vip "$other" || return 0; sleep 0.1; done
  return 1
}
# client_via D: the client's neighbour entry for the VIP is D's eth0 MAC (its
# packets for the VIP go to D, not to a real server or the dead director).
client_via() {
  local mac
  mac=$(ip -n "$(ns "$1")" -o link show dev eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
  ip -n "$(ns cl)" neigh show "$VIP" | grep -q "lladdr $mac "
}
# backup_split D: "N entries (rs1=A rs2=B)": how many connection entries director D
# lists (ours, -L -n -c) and how they fall on the real servers.
backup_split() {
  local i addr n text="" listed
  conns "$1" >"$WORK/split.conns"
  listed=$(wc -l <"$WORK/split.conns")
  for i in $(seq "$NRS"); do
    addr=${RS[$((i - 1))]}
    [ "$AF" = 6 ] && addr="[$addr]"
    n=$(awk -v a="$addr" '{ d = $NF; sub(/:[0-9]+$/, "", d); if (d == a) c++ } END { print c + 0 }' "$WORK/split.conns")
    text+=" rs$i=$n"
  done
  echo "$listed entries (${text# })"
}
