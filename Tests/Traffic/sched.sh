#!/usr/bin/env bash
# Schedulers through LVS-NAT: rr alternates, wrr 3:1, weight 0 gets nothing, losing
# real servers during a request loop, -p pins a client, and a fwmark service groups
# two ports into one service.
. "$(dirname "$0")/lib.sh" sched "$1"
build_nat 10.80 3
for i in 1 2 3; do start_http "rs$i" "rs$i" 80 8080; done
for i in 1 2 3; do wait_listen "rs$i" tcp 80 8080; done
line() { # LABEL FILE: the per-check summary line
  echo "$1: sent $(sent_of "$2") answered $(answered_of "$2") split $(split_of "$2" rs1 rs2 rs3)"
}

# rr: strict alternation between two real servers.
must -A -t "$VIP:80" -s rr
must -a -t "$VIP:80" -r "${RS[0]}" -m
must -a -t "$VIP:80" -r "${RS[1]}" -m
http_requests "$WORK/rr" "$VIP" 80 20
line "sched rr" "$WORK/rr"
repeats=$(awk '$3 == prev { n++ } { prev = $3 } END { print n + 0 }' "$WORK/rr")
expect "rr: 20 answered, 10/10, strictly alternating ($repeats repeats)" \
  test "$(answered_of "$WORK/rr") $(split_of "$WORK/rr" rs1 rs2 rs3) $repeats" = "20 rs1=10 rs2=10 rs3=0 0"

# wrr 3:1 over 40 requests: 30/10 expected, tolerance +-2.
must -E -t "$VIP:80" -s wrr
must -e -t "$VIP:80" -r "${RS[0]}" -m -w 3
http_requests "$WORK/wrr" "$VIP" 80 40
line "sched wrr 3:1" "$WORK/wrr"
a=$(count_of "$WORK/wrr" rs1) b=$(count_of "$WORK/wrr" rs2)
expect "wrr 3:1: 40 answered, rs1=$a in 28..32, rs2=$b in 8..12" \
  test "$(answered_of "$WORK/wrr")" = 40 -a "$a" -ge 28 -a "$a" -le 32 -a "$b" -ge 8 -a "$b" -le 12

# weight 0: a third real server with weight 0 gets no new connection.
must -E -t "$VIP:80" -s rr
must -e -t "$VIP:80" -r "${RS[0]}" -m -w 1
must -a -t "$VIP:80" -r "${RS[2]}" -m -w 0
http_requests "$WORK/w0" "$VIP" 80 20
line "sched rr, rs3 weight 0" "$WORK/w0"
expect "weight 0: 20 answered, rs3 got none, 10/10 on the others" \
  test "$(answered_of "$WORK/w0") $(split_of "$WORK/w0" rs1 rs2 rs3)" = "20 rs1=10 rs2=10 rs3=0"

# ---- Losing real servers under load (rr over 3): during one request loop, rs3 is
# deleted (-d), later rs2 is set to weight 0 (-e -w 0). Service continues on the
# others; no request fails beyond one in flight at each change; the removed servers
# get no request that started after the change.
# rr over the three (rs3 was weight 0 above).
must -e -t "$VIP:80" -r "${RS[2]}" -m -w 1

# The loop runs until told to stop (at most 300 requests / 150 s), so each change
# has at least 10 requests after it whatever the emulator's speed.
out=$WORK/loop
: >"$out"
nsx cl timeout 160 "${TT[@]}" http-client "$VIP" 80 300 --delay 0.05 \
  --timeout 3 --deadline 150 --stop "$WORK/stop" >"$out" 2>"$out.err" &
client=$!
PIDS+=($client)
lines() { wc -l <"$out" | tr -d ' '; }
# wait_lines K: until the client has finished K requests (at most 60 s).
wait_lines() { local i; for i in $(seq 600); do [ "$(lines)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }

wait_lines 10 || die "request loop stalled before 10"
b1=$(lines); ipvs -d -t "$VIP:80" -r "${RS[2]}:80"; rc1=$?; a1=$(lines)
wait_lines $((a1 + 10)) || die "request loop stalled after deleting rs3"
b2=$(lines); ipvs -e -t "$VIP:80" -r "${RS[1]}:80" -m -w 0; rc2=$?; a2=$(lines)
wait_lines $((a2 + 10)) || die "request loop stalled after rs2 weight 0"
touch "$WORK/stop"
wait "$client"
N=$(sent_of "$out")
echo "failover: sent $(sent_of "$out") answered $(answered_of "$out") split $(split_of "$out" rs1 rs2 rs3)"
echo "failover: rs3 deleted during requests $((b1 + 1))..$((a1 + 1)) (exit $rc1), rs2 weight 0 during $((b2 + 1))..$((a2 + 1)) (exit $rc2)"
# Indexes of failures outside the windows in flight at a change; late answers.
bad=$(awk -v b1=$b1 -v a1=$a1 -v b2=$b2 -v a2=$a2 \
  '$3 == "FAIL" && !(($1 > b1 && $1 <= a1 + 1) || ($1 > b2 && $1 <= a2 + 1)) { printf "%s ", $1 }' "$out")
nfail=$(awk '$3 == "FAIL"' "$out" | wc -l)
late3=$(awk -v a=$a1 '$1 > a + 1 && $3 == "rs3" { printf "%s ", $1 }' "$out")
late2=$(awk -v a=$a2 '$1 > a + 1 && $3 == "rs2" { printf "%s ", $1 }' "$out")
after1=$(awk -v a=$a1 -v b=$b2 '$1 > a + 1 && $1 <= b' "$out" | awk '{print $3}' | sort | uniq -c | xargs)
after2=$(awk -v a=$a2 '$1 > a + 1' "$out" | awk '{print $3}' | sort | uniq -c | xargs)
echo "failover: after rs3 deleted: $after1; after rs2 weight 0: $after2; failed $nfail"
expect "failover: -d and -e succeeded" test "$rc1 $rc2" = "0 0"
expect "failover: $N requests, no failure outside in-flight windows (${bad:-none})" \
  test -z "$bad" -a "$nfail" -le 2
expect "failover: deleted rs3 got no new request (${late3:-none})" test -z "$late3"
expect "failover: weight-0 rs2 got no new request (${late2:-none})" test -z "$late2"
expect "failover: after both changes, rs1 answered everything" \
  test "$(awk -v a=$a2 '$1 > a + 1 && $3 != "rs1"' "$out" | wc -l)" = 0 -a "$(awk -v a=$a2 '$1 > a + 1' "$out" | wc -l)" -gt 0
expect "failover: -L -n same as reference" same_view -L -n

# -p: one client stays on one real server.
must -C
must -A -t "$VIP:80" -s rr -p 60
for r in "${RS[@]}"; do must -a -t "$VIP:80" -r "$r" -m; done
http_requests "$WORK/p" "$VIP" 80 20
line "sched rr -p 60" "$WORK/p"
distinct=$(awk '$3 != "FAIL" { print $3 }' "$WORK/p" | sort -u | wc -l)
expect "persistence: 20 answered, all on one real server ($distinct distinct)" \
  test "$(answered_of "$WORK/p") $distinct" = "20 1"
expect "persistence: -L -n --persistent-conn same as reference" same_view -L -n --persistent-conn
expect "persistence: -L -n -c same as reference (template listed)" same_conns -L -n -c

# fwmark: ports 80 and 8080 marked 7 on the director; one service for both.
must -C
marker=""
if nsx dir iptables -t mangle -A PREROUTING -d "$VIP/32" -p tcp -m multiport \
     --dports 80,8080 -j MARK --set-mark 7 2>/dev/null; then
  marker=iptables
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
line "sched fwmark 7 (ports 80,8080 via $marker) rr" "$WORK/fw"
p80=$(awk '$2 == 80 && $3 != "FAIL"' "$WORK/fw" | wc -l) p8080=$(awk '$2 == 8080 && $3 != "FAIL"' "$WORK/fw" | wc -l)
stats_read
fconns=$(stat_of "FWM 7" - 1)
echo "fwmark: port 80 answered $p80, port 8080 answered $p8080, service FWM 7 Conns $fconns"
expect "fwmark rr: both ports answered (10+10) by one service (Conns $fconns = 20), split 10/10" \
  test "$p80 $p8080 ${fconns:-x} $(split_of "$WORK/fw" rs1 rs2)" = "10 10 20 rs1=10 rs2=10"
# The same fwmark service made persistent: both ports stick to one real server.
must -E -f 7 -s rr -p 60
http_requests "$WORK/fwp" "$VIP" 80,8080 20
line "sched fwmark 7 rr -p 60" "$WORK/fwp"
distinct=$(awk '$3 != "FAIL" { print $3 }' "$WORK/fwp" | sort -u | wc -l)
expect "fwmark -p: 20 answered over both ports, all on one real server ($distinct distinct)" \
  test "$(answered_of "$WORK/fwp") $distinct" = "20 1"
expect "fwmark: -L -n same as reference" same_view -L -n
