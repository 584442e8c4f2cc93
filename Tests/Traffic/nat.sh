#!/usr/bin/env bash
# LVS-NAT (-m): the director forwards and rewrites; the real servers' default route
# is the director, so replies come back through it (OutPkts counted there).
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
echo "LVS-NAT rr tcp: sent $(sent_of "$WORK/tcp") answered $(answered_of "$WORK/tcp") split $(split_of "$WORK/tcp" rs1 rs2)"
echo "LVS-NAT rr udp: sent $(sent_of "$WORK/udp") answered $(answered_of "$WORK/udp") split $(split_of "$WORK/udp" rs1 rs2)"
expect "LVS-NAT tcp: all $N answered, 10/10" \
  test "$(answered_of "$WORK/tcp") $(split_of "$WORK/tcp" rs1 rs2)" = "$N rs1=10 rs2=10"
expect "LVS-NAT udp: all $N answered, 10/10" \
  test "$(answered_of "$WORK/udp") $(split_of "$WORK/udp" rs1 rs2)" = "$N rs1=10 rs2=10"
# Replies went back through the director: it counted them.
out=$(stat_of "TCP $VIP:80" - 3) udpout=$(stat_of "UDP $VIP:5353" - 3)
echo "LVS-NAT director OutPkts: tcp $out udp $udpout"
expect "LVS-NAT replies pass the director (OutPkts tcp $out >= $N, udp $udpout = $N)" \
  test "${out:-0}" -ge $N -a "${udpout:-x}" = $N
expect "LVS-NAT -L -n same as reference" same_view -L -n
