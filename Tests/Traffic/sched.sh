#!/usr/bin/env bash
# Schedulers through LVS-NAT (3 real servers): rr alternates, wrr 3:1, weight 0 gets
# nothing, losing real servers during a request loop, -p pins a client, and a fwmark
# service groups two ports into one service.
. "$(dirname "$0")/lib.sh" sched "$1"
build_nat 10.80 3
for i in 1 2 3; do start_http "rs$i" "rs$i" 80 8080; done
for i in 1 2 3; do wait_listen "rs$i" tcp 80 8080; done

# ---- rr: strict alternation between two real servers.
must -A -t "$VIP:80" -s rr
must -a -t "$VIP:80" -r "${RS[0]}" -m
must -a -t "$VIP:80" -r "${RS[1]}" -m
http_requests "$WORK/rr" "$VIP" 80 20
report "sched rr" "$WORK/rr" rs1 rs2 rs3
repeats=$(awk '$3 == prev { n++ } { prev = $3 } END { print n + 0 }' "$WORK/rr")
expect "rr: 20 answered, 10/10, strictly alternating ($repeats repeats)" \
  test "$ANSWERED $SPLIT $repeats" = "20 rs1=10 rs2=10 rs3=0 0"

# ---- wrr 3:1 over 40 requests: 30/10 expected, tolerance +-2.
must -E -t "$VIP:80" -s wrr
must -e -t "$VIP:80" -r "${RS[0]}" -m -w 3
http_requests "$WORK/wrr" "$VIP" 80 40
report "sched wrr 3:1" "$WORK/wrr" rs1 rs2 rs3
read -r a b _ <<<"$(echo "$SPLIT" | tr '=' ' ' | awk '{print $2, $4}')"
expect "wrr 3:1: 40 answered, rs1=$a in 28..32, rs2=$b in 8..12" \
  test "$ANSWERED" = 40 -a "$a" -ge 28 -a "$a" -le 32 -a "$b" -ge 8 -a "$b" -le 12

# ---- weight 0: a third real server with weight 0 gets no new connection.
must -E -t "$VIP:80" -s rr
must -e -t "$VIP:80" -r "${RS[0]}" -m -w 1
must -a -t "$VIP:80" -r "${RS[2]}" -m -w 0
http_requests "$WORK/w0" "$VIP" 80 20
report "sched rr, rs3 weight 0" "$WORK/w0" rs1 rs2 rs3
expect "weight 0: 20 answered, rs3 got none, 10/10 on the others" \
  test "$ANSWERED $SPLIT" = "20 rs1=10 rs2=10 rs3=0"

# ---- Losing real servers under load (rr over the 3): during one request loop, rs3
# is deleted (-d), later rs2 is set to weight 0 (-e -w 0). Service continues on the
# others; no request fails beyond one in flight at each change; the removed servers
# get no request that started after the change. The loop runs until told to stop
# (at most 300 requests / 150 s), so each change has 10 requests after it whatever
# the emulator's speed.
must -e -t "$VIP:80" -r "${RS[2]}" -m -w 1
out=$WORK/loop
nsx cl timeout 160 "${TT[@]}" http-client "$VIP" 80 300 --delay 0.2 \
  --timeout 3 --deadline 150 --stop "$WORK/stop" >"$out" 2>"$out.err" &
PIDS+=($!)
client=$!
lines() { wc -l <"$out"; }
# wait_lines K: until the client has finished K requests (at most 60 s).
wait_lines() { local i; for i in $(seq 300); do [ "$(lines)" -ge "$1" ] && return 0; sleep 0.2; done; return 1; }
wait_lines 10 || die "request loop stalled before 10"
b1=$(lines); ipvs -d -t "$VIP:80" -r "${RS[2]}:80"; rc1=$?; a1=$(lines)
wait_lines $((a1 + 10)) || die "request loop stalled after deleting rs3"
b2=$(lines); ipvs -e -t "$VIP:80" -r "${RS[1]}:80" -m -w 0; rc2=$?; a2=$(lines)
wait_lines $((a2 + 10)) || die "request loop stalled after rs2 weight 0"
touch "$WORK/stop"
wait "$client"
report "failover rr over 3" "$out" rs1 rs2 rs3
echo "failover: rs3 deleted (-d) while requests $((b1 + 1))..$((a1 + 1)) ran, rs2 set to weight 0 (-e) while $((b2 + 1))..$((a2 + 1)) ran"
# One awk: failures outside the in-flight windows, late answers by removed servers,
# and the split after each change.
read -r nfail bad late3 late2 after1 after2 < <(awk -v b1=$b1 -v a1=$a1 -v b2=$b2 -v a2=$a2 '
  $3 == "FAIL" { nf++; if (!(($1 > b1 && $1 <= a1 + 1) || ($1 > b2 && $1 <= a2 + 1))) bad = bad $1 "," }
  $1 > a1 + 1 && $3 == "rs3" { l3 = l3 $1 "," }
  $1 > a2 + 1 && $3 == "rs2" { l2 = l2 $1 "," }
  $1 > a1 + 1 && $1 <= b2 { s1[$3]++ }
  $1 > a2 + 1 { s2[$3]++; n2++ }
  END { x = ""; for (k in s1) x = x k "=" s1[k] ","; y = ""; for (k in s2) y = y k "=" s2[k] ","
        print nf + 0, (bad == "" ? "none" : bad), (l3 == "" ? "none" : l3), (l2 == "" ? "none" : l2),
              (x == "" ? "none" : x), (y == "" ? "none" : y) }' "$out")
echo "failover: answers after rs3 deleted: $after1 after rs2 weight 0: $after2 failed: $nfail"
expect "failover: -d and -e succeeded" test "$rc1 $rc2" = "0 0"
expect "failover: $SENT requests, $nfail failed, none outside in-flight windows ($bad)" \
  test "$bad" = none -a "$nfail" -le 2
expect "failover: deleted rs3 got no new request ($late3)" test "$late3" = none
expect "failover: weight-0 rs2 got no new request ($late2)" test "$late2" = none
expect "failover: after both changes only rs1 answered ($after2)" \
  test "${after2%%=*}" = rs1 -a "$(echo "$after2" | tr -cd , | wc -c)" = 1
expect "failover: -L -n same as reference" same_view -L -n

# ---- -p: one client stays on one real server.
must -C
must -A -t "$VIP:80" -s rr -p 60
for r in "${RS[@]}"; do must -a -t "$VIP:80" -r "$r" -m; done
http_requests "$WORK/p" "$VIP" 80 20
report "sched rr -p 60" "$WORK/p" rs1 rs2 rs3
expect "persistence: 20 answered, all on one real server ($DISTINCT distinct)" \
  test "$ANSWERED $DISTINCT" = "20 1"
expect "persistence: -L -n --persistent-conn same as reference" same_view -L -n --persistent-conn
expect "persistence: -L -n -c same as reference (template listed)" same_conns -L -n -c

# ---- fwmark: ports 80 and 8080 marked 7 on the director; one service for both.
must -C
marker=""
if nsx dir iptables -t mangle -A PREROUTING -d "$VIP/32" -p tcp -m multiport \
     --dports 80,8080 -j MARK --set-mark 7 2>/dev/null; then
  marker="iptables -t mangle"
elif nsx dir nft -f - <<NFT 2>/dev/null
table ip ttmark {
  chain pre { type filter hook prerouting priority mangle; ip daddr $VIP tcp dport { 80, 8080 } meta mark set 7; }
}
NFT
then
  marker=nft
fi
if [ -z "$marker" ]; then
  echo "fwmark: SKIPPED (neither iptables -t mangle nor nft could set a mark)"
  exit 0
fi
must -A -f 7 -s rr
must -a -f 7 -r "${RS[0]}" -m
must -a -f 7 -r "${RS[1]}" -m
http_requests "$WORK/fw" "$VIP" 80,8080 20
report "sched fwmark 7 (ports 80+8080 marked by $marker) rr" "$WORK/fw" rs1 rs2 rs3
read -r p80 p8080 < <(awk '$3 != "FAIL" { c[$2]++ } END { print c[80] + 0, c[8080] + 0 }' "$WORK/fw")
stats_read
fconns=$(stat_line "FWM 7" - | cut -d' ' -f1)
echo "fwmark: port 80 answered $p80, port 8080 answered $p8080, service FWM 7 Conns $fconns"
expect "fwmark rr: both ports answered (10+10) by one service (Conns $fconns = 20), split 10/10" \
  test "$p80 $p8080 ${fconns:-x} $SPLIT" = "10 10 20 rs1=10 rs2=10 rs3=0"
# The same fwmark service made persistent: both ports stick to one real server.
must -E -f 7 -s rr -p 60
http_requests "$WORK/fwp" "$VIP" 80,8080 20
report "sched fwmark 7 rr -p 60" "$WORK/fwp" rs1 rs2 rs3
expect "fwmark -p: 20 answered over both ports, all on one real server ($DISTINCT distinct)" \
  test "$ANSWERED $DISTINCT" = "20 1"
expect "fwmark: -L -n same as reference" same_view -L -n
