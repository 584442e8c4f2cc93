#!/usr/bin/env bash
# Both sync daemons on both directors (--start-daemon master and backup at once, as
# sites run them): a session opened through d1 survives d1's death; d1 then comes back
# as a rebooted machine (a new namespace: empty IPVS table, rules and daemons set
# again with our ipvsadm), learns the connections from d2's master daemon, and takes
# the VIP back: the session opened through d1 and one opened through d2 while d1 was
# away both go on through the fail-back. Then the control in the same pair: with the
# daemons stopped, a new session dies in the next failover while the synced ones live.
. "$(dirname "$0")/lib.sh" "${TEST_NAME:-hafailback}" "$1"
label="HA both daemons"

ha_lan 4 10.82 2
keepalived d1 150 MASTER
keepalived d2 100 BACKUP
start_servers
for d in d1 d2; do rules "$d"; daemon "$d" master; daemon "$d" backup; done
DIR=d1; expect "$label: d1 -L --daemon (two daemons) same as reference" same_view -L --daemon
nsx d1 "$IPVSADM" -L --daemon | sed 's/^/  d1 | /'
wait_single_vip d1 30 || die "keepalived did not put the VIP on d1 alone (log: $(tail -n 5 "$WORK/keepalived-d1.log"))"
note "VRRP: d1 holds $VIP after ${WAITED}s"

session s1
wait_rounds s1 10 40 || die "session s1 did not start: $(cat "$WORK/s1.out")"
expect "$label: d2 lists the session opened through d1" wait_synced d2 1 20
backup_listed=$(backup_split d2)

# Failover: d1 dies with everything it knew.
kill_director d1 delete
status s1 .kill; s1_before=$((S_SENT + S_RECV)) s1_name=$S_NAME
wait_vip d2 30 "$KILLED_AT" || die "VIP did not move to d2"
moved=$WAITED
note "d1 killed (namespace deleted); d2 holds the VIP (seen by polling) after ${moved}s"
status s1; r1=$S_ROUNDS
expect "$label: s1 goes on through d2 after failover" wait_rounds s1 $((r1 + 30)) 60
status s1; s1_mid=$((S_SENT + S_RECV))
session s2
wait_rounds s2 10 40 || die "session s2 through d2 did not start: $(cat "$WORK/s2.out")"
status s2; s2_name=$S_NAME

# d1 reboots: a new namespace, rules and both daemons again from our ipvsadm, no VRRP yet.
add_director d1 1
rules d1
daemon d1 master
daemon d1 backup
wait_synced d1 2 30
expect "$label: the rebooted d1 learns both sessions from d2 (after ${WAITED}s)" test $? = 0
conns d1 | sed 's/^/  d1 -L -n -c | /'
DIR=d1; expect "$label: rebooted d1 -L -n -c same as reference" synced_conns_same -L -n -c

# Fail-back: d1's keepalived (higher priority) takes the VIP back.
status s1; s1_back=$((S_SENT + S_RECV)); status s2; s2_back=$((S_SENT + S_RECV))
t_back=${EPOCHREALTIME/./}
keepalived d1 150 MASTER
wait_vip d1 30 "$t_back" || die "VIP did not move back to d1"
back=$WAITED
for i in $(seq 100); do has_vip d2 || break; sleep 0.1; done
note "fail-back: d1 holds the VIP ${back}s after its keepalived started"
vrrp_log d1; vrrp_log d2
status s1; r1=$S_ROUNDS; status s2; r2=$S_ROUNDS
wait_rounds s1 $((r1 + 30)) 60; wait_rounds s2 $((r2 + 30)) 60
status s1; s1_ctl=$((S_SENT + S_RECV)); status s2; s2_ctl=$((S_SENT + S_RECV))

# The control, in the same pair: the daemons stopped with our ipvsadm, a session s3
# opened now is known to d1 alone; d1 dies again. s1 and s2 (whose entries d2 got
# while sync ran) must go on, s3 must break: d2 has no entry for it, so its next
# segment reaches d2's own stack, which holds the VIP and answers with a reset.
for d in d1 d2; do on "$d" --stop-daemon master; on "$d" --stop-daemon backup; done
expect "$label: --stop-daemon master and backup leave no daemon (-L --daemon empty on d1 and d2)" \
  test -z "$(nsx d1 "$IPVSADM" -L --daemon)$(nsx d2 "$IPVSADM" -L --daemon)"
session s3
wait_rounds s3 10 40 || die "session s3 did not start: $(cat "$WORK/s3.out")"
sleep 2.5   # longer than a master's 2 s flush of its sync buffer
status s3; s3_port=$S_PORT
expect "$label: with sync stopped, d2 has no entry for s3 (client port $s3_port)" \
  sh -c "! nsenter --net=/run/netns/$(ns d2) '$IPVSADM' -L -n -c | grep -q ':$s3_port '"
nsx d1 "$IPVSADM" -L -n -c | grep -q ":$s3_port " || die "d1 has no entry for s3"
kill_director d1
status s3 .kill; s3_before=$((S_SENT + S_RECV))
wait_vip d2 30 "$KILLED_AT" || die "VIP did not move to d2 the second time"
moved2=$WAITED
note "d1 killed again, sync stopped; d2 holds the VIP (seen by polling) after ${moved2}s"
for i in $(seq 400); do kill -0 "$SESSION_PID_s3" 2>/dev/null || break; sleep 0.1; done
broke=$(elapsed "$KILLED_AT")
status s1; r1=$S_ROUNDS; status s2; r2=$S_ROUNDS
wait_rounds s1 $((r1 + 30)) 60; wait_rounds s2 $((r2 + 30)) 60
finish s1 s2 s3
l1=$RESULT_s1 l2=$RESULT_s2 l3=$RESULT_s3
t1=$(( $(field sent "$l1") + $(field received "$l1") )) t2=$(( $(field sent "$l2") + $(field received "$l2") ))
t3=$(( $(field sent "$l3") + $(field received "$l3") ))
echo "$label: backup d2 listed $backup_listed before the failover"
echo "$label: s1 via $s1_name: $s1_before bytes before failover, $((s1_back - s1_before)) between failover and fail-back," \
  "$((s1_ctl - s1_back)) after fail-back, $((t1 - s1_ctl)) through the second failover (sync stopped);" \
  "stalls $(field stalls "$l1")s (VIP to d2 after ${moved}s, back to d1 ${back}s after its keepalived started," \
  "to d2 again after ${moved2}s); outcome $(field outcome "$l1")"
echo "$label: s2 via $s2_name (opened through d2): $s2_back bytes before fail-back, $((s2_ctl - s2_back)) after," \
  "$((t2 - s2_ctl)) through the second failover; stalls $(field stalls "$l2")s; outcome $(field outcome "$l2")"
echo "$label: s3 via $(field server "$l3") (opened with sync stopped): $s3_before bytes before the second failover," \
  "$((t3 - s3_before)) after; outcome $(field outcome "$l3") (${broke}s after the kill)"
expect "$label: s1 survives failover and fail-back (every byte echoed, $((s1_ctl - s1_back)) bytes after fail-back)" \
  test "$(field outcome "$l1")" = ok -a "$(field sent "$l1")" = "$(field received "$l1")" -a $((s1_back - s1_before)) -gt 3000 -a $((s1_ctl - s1_back)) -gt 3000
expect "$label: s2 (opened through d2) survives fail-back to d1 ($((s2_ctl - s2_back)) bytes after)" \
  test "$(field outcome "$l2")" = ok -a "$(field sent "$l2")" = "$(field received "$l2")" -a $((s2_ctl - s2_back)) -gt 3000
expect "$label: s1 and s2, synced before the daemons stopped, survive the second failover" \
  test $((t1 - s1_ctl)) -gt 3000 -a $((t2 - s2_ctl)) -gt 3000
expect "$label: control: s3, never synced, is broken by the same failover (outcome $(field outcome "$l3"))" \
  test "$(field outcome "$l3")" != ok
