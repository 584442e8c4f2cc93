#!/usr/bin/env bash
# LVS-DR (-g): the director only rewrites the MAC; the VIP sits on each real server's
# lo as /32 (arp_ignore=1, arp_announce=2), and the real servers answer the client
# straight through the router, so the director sees no reply (OutPkts 0).
. "$(dirname "$0")/lib.sh" dr "$1"
build_routed 10.78 2 1
for i in 1 2; do
  rs_arp_quiet "rs$i"
  ip -n "$(ns "rs$i")" addr add "$VIP/32" dev lo
  start_http "rs$i" "rs$i" 80
done
for i in 1 2; do wait_listen "rs$i" tcp 80; done

must -A -t "$VIP:80" -s rr
for r in "${RS[@]}"; do must -a -t "$VIP:80" -r "$r" -g; done

N=20
http_requests "$WORK/tcp" "$VIP" 80 $N
report "LVS-DR rr" "$WORK/tcp" rs1 rs2
expect "LVS-DR: all $N answered, 10/10" test "$ANSWERED $SPLIT" = "$N rs1=10 rs2=10"
stats_read
read -r conns inpk out _ < <(stat_line "TCP $VIP:80" -)
via=$(nsx rs1 ip -o route get "$CLIENT" | grep -o 'via [0-9.]*')
echo "LVS-DR director: Conns $conns InPkts $inpk OutPkts $out; rs1 reaches the client $via (router)"
expect "LVS-DR replies bypass the director (Conns $conns = $N, InPkts $inpk > 0, OutPkts $out = 0)" \
  test "${conns:-x}" = $N -a "${inpk:-0}" -gt 0 -a "${out:-x}" = 0
expect "LVS-DR real servers route to the client via the router" test "$via" = "via 10.78.2.1"
expect "LVS-DR -L -n same as reference" same_view -L -n
expect "LVS-DR -L -n --stats same as reference" same_view -L -n --stats
