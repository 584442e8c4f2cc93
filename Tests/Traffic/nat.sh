#!/usr/bin/env bash
# LVS-NAT (-m): the director forwards (ip_forward=1) and rewrites; the real servers'
# default route is the director, so replies come back through it. Then the counters:
# the kernel's counts match the requests sent, and ours and the reference print the
# same --stats, --rate and -c views of them.
. "$(dirname "$0")/lib.sh" nat "$1"
build_nat 10.77 2
for i in 1 2; do start_http "rs$i" "rs$i" 80; start_udp "rs$i" "rs$i" 5353; done
for i in 1 2; do wait_listen "rs$i" tcp 80; wait_listen "rs$i" udp 5353; done

must -A -t "$VIP:80" -s rr
must -A -u "$VIP:5353" -s rr
for r in "${RS[@]}"; do
  must -a -t "$VIP:80" -r "$r:80" -m
  must -a -u "$VIP:5353" -r "$r:5353" -m
done

N=20
http_requests "$WORK/tcp" "$VIP" 80 $N
udp_requests "$WORK/udp" "$VIP" 5353 $N
report "LVS-NAT rr tcp" "$WORK/tcp" rs1 rs2
expect "LVS-NAT tcp: all $N answered, 10/10" test "$ANSWERED $SPLIT" = "$N rs1=10 rs2=10"
report "LVS-NAT rr udp" "$WORK/udp" rs1 rs2
expect "LVS-NAT udp: all $N answered, 10/10" test "$ANSWERED $SPLIT" = "$N rs1=10 rs2=10"

# ---- Rates first, while the estimator (2 s ticks, decaying) still shows the traffic:
# ours and the reference read back to back until they agree.
expect "counters: -L -n --rate same as reference" same_view -L -n --rate
sed '$d; s/^/  | /' "$WORK/view.ours"
expect "counters: -L -n --rate --exact same as reference" same_view -L -n --rate --exact

# ---- Counters (read with ours: `-L -n --stats --exact`).
stats_read
# UDP: one datagram each way per request; "ping-NNNN" = 9 bytes + 28 of headers in,
# "rsN ping-NNNN" = 13 + 28 out. OutPkts > 0 also shows replies pass the director.
u="UDP $VIP:5353"
got=$(stat_line "$u" -)
expect "counters udp service: Conns InPkts OutPkts InBytes OutBytes = $got (want 20 20 20 740 820)" \
  test "$got" = "20 20 20 740 820"
for r in "${RS[@]}"; do
  got=$(stat_line "$u" "$r:5353" | cut -d' ' -f1-3)
  expect "counters udp $r: Conns InPkts OutPkts = $got (want 10 10 10)" test "$got" = "10 10 10"
done
# TCP: one connection per request; each needs at least SYN, ACK, request, FIN in
# and SYN-ACK, reply, FIN out, and (no loss on veth) at most 10 each way.
t="TCP $VIP:80"
read -r c i o _ < <(stat_line "$t" -)
expect "counters tcp service: Conns $c = $N, InPkts $i in $((4*N))..$((10*N)), OutPkts $o in $((3*N))..$((10*N))" \
  test "${c:-x}" = $N -a "${i:-0}" -ge $((4*N)) -a "${i:-0}" -le $((10*N)) \
    -a "${o:-0}" -ge $((3*N)) -a "${o:-0}" -le $((10*N))
got="$(stat_line "$t" "${RS[0]}:80" | cut -d' ' -f1) $(stat_line "$t" "${RS[1]}:80" | cut -d' ' -f1)"
expect "counters tcp real servers: Conns $got (want 10 10)" test "$got" = "10 10"
# Connection table: one entry per request, 20 tcp (TIME_WAIT) + 20 udp.
ipvs -L -n -c >"$WORK/conns"
ct=$(awk '$1 == "TCP"' "$WORK/conns" | wc -l) cu=$(awk '$1 == "UDP"' "$WORK/conns" | wc -l)
expect "counters -c: $ct tcp and $cu udp connection entries (want $N $N)" test "$ct $cu" = "$N $N"

# ---- Ours vs reference, read back to back from the director namespace.
expect "counters: -L -n --stats same as reference" same_view -L -n --stats
expect "counters: -L -n --stats --exact same as reference" same_view -L -n --stats --exact
expect "counters: -L -n -c same as reference" same_conns -L -n -c
expect "counters: -L -n -c --sort same as reference" same_conns -L -n -c --sort
expect "counters: -S -n same as reference" same_view -S -n
