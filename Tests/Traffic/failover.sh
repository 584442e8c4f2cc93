#!/usr/bin/env bash
# Losing real servers under load (LVS-NAT, rr over 3): during one request loop,
# rs3 is deleted (-d), later rs2 is set to weight 0 (-e -w 0). Service continues
# on the others; no request fails beyond one in flight at each change; the removed
# servers get no request that started after the change.
. "$(dirname "$0")/lib.sh" failover "$1"
build_nat 10.82 3
for i in 1 2 3; do start_http "rs$i" "rs$i" 80; done
for i in 1 2 3; do wait_listen "rs$i" tcp 80; done
must -A -t "$VIP:80" -s rr
for r in "${RS[@]}"; do must -a -t "$VIP:80" -r "$r:80" -m; done

N=45
out=$WORK/loop
: >"$out"
timeout 120 ip netns exec "$PREFIX-cl" "${TT[@]}" http-client "$VIP" 80 $N --delay 0.1 \
  --timeout 3 --deadline 100 >"$out" 2>"$out.err" &
client=$!
PIDS+=($client)
lines() { wc -l <"$out" | tr -d ' '; }
# wait_lines K: until the client has finished K requests (at most 60 s).
wait_lines() { local i; for i in $(seq 600); do [ "$(lines)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }

wait_lines 10 || die "request loop stalled before 10"
b1=$(lines); ipvs -d -t "$VIP:80" -r "${RS[2]}:80"; rc1=$?; a1=$(lines)
wait_lines $((a1 + 10)) || die "request loop stalled after deleting rs3"
b2=$(lines); ipvs -e -t "$VIP:80" -r "${RS[1]}:80" -m -w 0; rc2=$?; a2=$(lines)
wait "$client"
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
expect "failover: all $N requests sent, no failure outside in-flight windows (${bad:-none})" \
  test "$(sent_of "$out")" = $N -a -z "$bad" -a "$nfail" -le 2
expect "failover: deleted rs3 got no new request (${late3:-none})" test -z "$late3"
expect "failover: weight-0 rs2 got no new request (${late2:-none})" test -z "$late2"
expect "failover: after both changes, rs1 answered everything" \
  test "$(awk -v a=$a2 '$1 > a + 1 && $3 != "rs1"' "$out" | wc -l)" = 0 -a "$(awk -v a=$a2 '$1 > a + 1' "$out" | wc -l)" -gt 0
expect "failover: -L -n same as reference" same_view -L -n
