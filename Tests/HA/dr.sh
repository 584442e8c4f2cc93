#!/usr/bin/env bash
# The guides' LVS-DR pair: director d1 runs the master sync daemon, d2 the backup
# one; keepalived's VRRP holds the VIP on d1. Two long-lived echo sessions and a
# persistent web client go through d1; d2's table (ours, -L -n -c and
# --persistent-conn) lists what d1 synced, as the reference prints it; then d1 dies
# and the VIP moves to d2: the sessions keep exchanging data (no reset, every byte
# echoed), the persistent client stays on its real server, new connections work.
# With SYNC=0 (nosync.sh) no daemon runs, and the same failover must break the sessions.
. "$(dirname "$0")/lib.sh" "${TEST_NAME:-hadr}" "$1"
SYNC=${SYNC:-1}
label=$([ "$SYNC" = 1 ] && echo "HA DR" || echo "HA control (no sync)")

ha_lan 4 10.81 2
# keepalived starts first: it takes seconds to come up, while the rest is set.
keepalived d1 150 MASTER
keepalived d2 100 BACKUP
start_servers $([ "$SYNC" = 1 ] && echo http)
for d in d1 d2; do rules "$d"; done
if [ "$SYNC" = 1 ]; then
  daemon d1 master
  daemon d2 backup
  DIR=d1; expect "$label: d1 -L --daemon same as reference" same_view -L --daemon
  DIR=d2; expect "$label: d2 -L --daemon same as reference" same_view -L --daemon
  nsx d1 "$IPVSADM" -L --daemon | sed 's/^/  d1 | /'
  nsx d2 "$IPVSADM" -L --daemon | sed 's/^/  d2 | /'
fi
wait_single_vip d1 30 || die "keepalived did not put the VIP on d1 alone (log: $(tail -n 5 "$WORK/keepalived-d1.log"))"
note "VRRP: d1 holds $VIP after ${WAITED}s"

session s1
session s2
wait_rounds s1 10 40 || die "session s1 did not start: $(cat "$WORK/s1.out")"
wait_rounds s2 10 40 || die "session s2 did not start: $(cat "$WORK/s2.out")"

if [ "$SYNC" = 1 ]; then
  http_from_client "$WORK/http.before" 6
  report "$label: persistent client before failover" "$WORK/http.before" rs1 rs2
  before_split=$SPLIT
  expect "$label: persistent client answered 6/6 by one real server before failover" \
    test "$ANSWERED/$DISTINCT" = "6/1"
  wait_synced d2 2 20
  expect "$label: backup d2 lists both sessions ${WAITED}s after they opened" wait_synced d2 2 1
  conns d2 | sed 's/^/  d2 -L -n -c | /'
  DIR=d2
  expect "$label: backup d2 -L -n -c same as reference" synced_conns_same -L -n -c
  expect "$label: backup d2 -L -n -c --persistent-conn same as reference" synced_conns_same -L -n -c --persistent-conn
  templates=$(conns d2 | grep -c " 10\.81\.0\.0:0  *$V:$HTTP_PORT ")
  expect "$label: backup d2 holds the client network's persistence template ($templates)" test "$templates" = 1
fi
backup_listed=$(backup_split d2)

kill_director d1
status s1 .kill; s1_before=$((S_SENT + S_RECV)) s1_name=$S_NAME
status s2 .kill; s2_before=$((S_SENT + S_RECV)) s2_name=$S_NAME
echo "$label: before failover: s1 via $s1_name $s1_before bytes, s2 via $s2_name $s2_before bytes; backup d2 lists $backup_listed"
wait_vip d2 30 "$KILLED_AT" || die "VIP did not move to d2"
moved=$WAITED
note "d1 killed; d2 holds the VIP (seen by polling) after ${moved}s"
vrrp_log d2

if [ "$SYNC" = 1 ]; then
  # Both sessions go on through d2: 30 more rounds each (bounded: 60 s).
  status s1; r1=$S_ROUNDS; status s2; r2=$S_ROUNDS
  wait_rounds s1 $((r1 + 30)) 60; wait_rounds s2 $((r2 + 30)) 60
  expect "$label: the client now reaches the VIP at d2's MAC" client_via d2
  http_from_client "$WORK/http.after" 6
  report "$label: persistent client after failover" "$WORK/http.after" rs1 rs2
  expect "$label: persistent client stays on its real server after failover ($before_split -> $SPLIT)" \
    test "$ANSWERED" = 6 -a "$SPLIT" = "$before_split"
  session s3
  expect "$label: a new session through d2 after failover works" wait_rounds s3 10 40
  finish s1 s2 s3
  for s in s1 s2; do
    eval "line=\$RESULT_$s"; eval "before=\$${s}_before"
    total=$(( $(field sent "$line") + $(field received "$line") ))
    echo "$label: $s via $(field server "$line"): $before bytes before failover, $((total - before)) after;" \
      "longest stall $(field maxgap "$line")s (VIP moved after ${moved}s); outcome $(field outcome "$line")"
    expect "$label: $s survives failover (no reset, every byte echoed, $((total - before)) bytes after)" \
      test "$(field outcome "$line")" = ok -a "$(field sent "$line")" = "$(field received "$line")" -a $((total - before)) -gt 3000
  done
  expect "$label: the two sessions were split over both real servers ($s1_name, $s2_name)" test "$s1_name" != "$s2_name"
  DIR=d2; expect "$label: d2 -L -n after failover same as reference" same_view -L -n
  nsx d2 "$IPVSADM" -L -n | sed 's/^/  d2 -L -n | /'
else
  # Without sync, d2 has no entry: the client's next segment reaches d2's own stack
  # (it holds the VIP, nothing listens), which answers with a reset.
  expect "$label: backup d2 listed no connection before failover ($backup_listed)" test "${backup_listed%% *}" = 0
  for i in $(seq 400); do
    kill -0 "$SESSION_PID_s1" 2>/dev/null || kill -0 "$SESSION_PID_s2" 2>/dev/null || break
    sleep 0.1
  done
  broke=$(elapsed "$KILLED_AT")
  finish s1 s2
  for s in s1 s2; do
    eval "line=\$RESULT_$s"; eval "before=\$${s}_before"
    total=$(( $(field sent "$line") + $(field received "$line") ))
    echo "$label: $s via $(field server "$line"): $before bytes before failover, $((total - before)) after; outcome $(field outcome "$line") (${broke}s after the kill)"
    expect "$label: $s broken by the failover without sync (outcome $(field outcome "$line"))" \
      test "$(field outcome "$line")" != ok
  done
fi
