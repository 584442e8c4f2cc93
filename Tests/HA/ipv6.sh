#!/usr/bin/env bash
# IPv6: an LVS-DR pair for an IPv6 VIP, the sync daemons over an IPv6 multicast group
# (--mcast-group ff02::8850 on eth0), keepalived's VRRPv3 moving the VIP. A session
# opened through d1 is listed on d2 and survives d1's death.
. "$(dirname "$0")/lib.sh" "${TEST_NAME:-haipv6}" "$1"
label="HA IPv6"

ha_lan 6 fd82 2
start_servers
# VRRPv3 over IPv6 and the IPv6 sync daemon send from the link-local address.
wait_dad cl d1 d2 rs1 rs2
keepalived d1 150 MASTER
keepalived d2 100 BACKUP
for d in d1 d2; do rules "$d"; done
daemon d1 master
daemon d2 backup
DIR=d1; expect "$label: d1 -L --daemon same as reference" same_view -L --daemon
DIR=d2; expect "$label: d2 -L --daemon same as reference" same_view -L --daemon
nsx d1 "$IPVSADM" -L --daemon | sed 's/^/  d1 | /'
nsx d2 "$IPVSADM" -L --daemon | sed 's/^/  d2 | /'
wait_single_vip d1 30 || die "keepalived did not put the VIP on d1 alone (log: $(tail -n 5 "$WORK/keepalived-d1.log"))"
note "VRRPv3: d1 holds $VIP after ${WAITED}s"

session s1
wait_rounds s1 10 40 || die "session s1 did not start: $(cat "$WORK/s1.out")"
expect "$label: backup d2 lists the session (synced over $GROUP6)" wait_synced d2 1 20
conns d2 | sed 's/^/  d2 -L -n -c | /'
DIR=d2; expect "$label: backup d2 -L -n -c same as reference" synced_conns_same -L -n -c
backup_listed=$(backup_split d2)
status s1; before=$((S_SENT + S_RECV))
kill_director d1
wait_vip d2 30 "$KILLED_AT" || die "VIP did not move to d2"
moved=$WAITED
note "d1 killed; d2 holds the VIP (seen by polling) after ${moved}s"
vrrp_log d2
status s1; r1=$S_ROUNDS
wait_rounds s1 $((r1 + 30)) 60
expect "$label: the client now reaches the VIP at d2's MAC (neighbour entry)" client_via d2
finish s1
line=$RESULT_s1
total=$(( $(field sent "$line") + $(field received "$line") ))
echo "$label: s1 via $(field server "$line"): $before bytes before failover, $((total - before)) after; longest stall" \
  "$(field maxgap "$line")s (VIP moved after ${moved}s); backup listed $backup_listed; outcome $(field outcome "$line")"
expect "$label: s1 survives failover (no reset, every byte echoed, $((total - before)) bytes after)" \
  test "$(field outcome "$line")" = ok -a "$(field sent "$line")" = "$(field received "$line")" -a $((total - before)) -gt 3000
