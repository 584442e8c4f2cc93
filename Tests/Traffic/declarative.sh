#!/usr/bin/env bash
# Declarative changes under real traffic, on an LVS-NAT cluster: `--apply --drain` takes a
# real server out while a long-lived TCP session through the VIP is on it (the session
# keeps working, new connections avoid the server, which goes once the session has
# closed); then `-L --json` against the reference's `-L -n --stats --exact` after traffic.
. "$(dirname "$0")/lib.sh" decl "$1"
build_nat 10.79 2
for i in 1 2; do
  start_http "rs$i" "rs$i" 80
  nsx "rs$i" "${TT[@]}" echo-server "rs$i" 7000 >/dev/null 2>&1 &
  PIDS+=($!)
done
for i in 1 2; do wait_listen "rs$i" tcp 80 7000; done

rules() {  # rules WITHOUT: the cluster's rules, less the 7000 real server WITHOUT (or none)
  echo "-A -t $VIP:7000 -s rr"
  for r in "${RS[@]}"; do [ "$r" = "${1:-}" ] || echo "-a -t $VIP:7000 -r $r:7000 -m -w 1"; done
  echo "-A -t $VIP:80 -s rr"
  for r in "${RS[@]}"; do echo "-a -t $VIP:80 -r $r:80 -m -w 1"; done
}
rules >"$WORK/both.rules"
must --apply "$WORK/both.rules"
ref -S -n | sort >"$WORK/saved"
expect "apply: the reference's -S -n shows exactly the file" cmp -s "$WORK/saved" <(sort "$WORK/both.rules")
expect "apply: --diff of the same file is empty, exit 0" test "$(ipvs --diff "$WORK/both.rules"; echo "exit $?")" = "exit 0"

# ---- A long-lived session, then its real server drained away.
nsx cl "${TT[@]}" stream-client "$VIP" 7000 --deadline 120 --stop "$WORK/stop" >"$WORK/stream" 2>&1 &
stream=$!
PIDS+=($stream)
for _ in $(seq 100); do [ -s "$WORK/stream" ] && break; sleep 0.1; done
serving=$(head -n 1 "$WORK/stream")
case $serving in
  rs1) drained=${RS[0]} other=rs2 ;;
  rs2) drained=${RS[1]} other=rs1 ;;
  *) die "the long-lived session did not start: $(cat "$WORK/stream")" ;;
esac
note "the session is on $serving ($drained)"
rules "$drained" >"$WORK/less.rules"
expect "diff: the plan is one removal" \
  test "$(ipvs --diff "$WORK/less.rules")" = "-d -t $VIP:7000 -r $drained:7000"
ipvs --apply "$WORK/less.rules" --drain 90 >"$WORK/drain.out" 2>&1 &
apply=$!
PIDS+=($apply)
at_weight_zero() { ipvs -S -n | grep -q -- "-r $drained:7000 -m -w 0\$"; }
for _ in $(seq 100); do at_weight_zero && break; sleep 0.1; done
expect "drain: the server stays, at weight 0, while the session is open" at_weight_zero
fresh=""
for i in 1 2 3 4; do
  nsx cl timeout 10 "${TT[@]}" stream-client "$VIP" 7000 --deadline 0.3 >"$WORK/fresh" 2>&1
  fresh+="$(head -n 1 "$WORK/fresh") "
done
expect "drain: 4 new connections all go to $other (got: $fresh)" test "$fresh" = "$other $other $other $other "
expect "drain: --apply still waits for the session" kill -0 "$apply"
sleep 1
touch "$WORK/stop"
wait "$stream"
result=$(tail -n 1 "$WORK/stream")
note "session: $result"
expect "drain: the session lived through it, every line answered by $serving" \
  sh -c "echo '$result' | grep -Eq '^DONE sent=([0-9]+) received=\\1 servers=$serving\$'"
t0=$SECONDS
for _ in $(seq 600); do kill -0 "$apply" 2>/dev/null || break; sleep 0.1; done
wait "$apply"
status=$?
note "--apply ended $((SECONDS - t0)) s after the session closed, exit $status"
sed 's/^/  | /' "$WORK/drain.out"
expect "drain: --apply exits 0 once the server has no connections" test "$status" = 0
expect "drain: it says it removed the drained server" \
  grep -qx -- "-d -t $VIP:7000 -r $drained:7000   (drained)" "$WORK/drain.out"
ref -S -n | sort >"$WORK/saved"
expect "drain: the table is the file" cmp -s "$WORK/saved" <(sort "$WORK/less.rules")

# ---- JSON counters after real traffic, against the reference's exact text.
http_requests "$WORK/tcp" "$VIP" 80 12
report "LVS-NAT rr tcp" "$WORK/tcp" rs1 rs2
stats_read
compare_json() {
  ipvs -L --json >"$WORK/json"
  ref -L -n --stats --exact >"$WORK/exact"
  "$PY" -S -E - "$WORK/json" "$WORK/exact" <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ours = {}
for s in doc["services"]:
    name = s["protocol"].upper() + " " + s["address"] + ":" + str(s["port"])
    st = s["stats"]
    ours[(name, "-")] = [st[k] for k in ("connections", "packets_in", "packets_out", "bytes_in", "bytes_out")]
    for d in s["destinations"]:
        st = d["stats"]
        ours[(name, d["address"] + ":" + str(d["port"]))] = [
            st[k] for k in ("connections", "packets_in", "packets_out", "bytes_in", "bytes_out")]
theirs = {}
for line in open(sys.argv[2]):
    f = line.split()
    if f and f[0] in ("TCP", "UDP"):
        service = f[0] + " " + f[1]
        theirs[(service, "-")] = [int(x) for x in f[2:7]]
    elif f and f[0] == "->" and f[1][0].isdigit():
        theirs[(service, f[1])] = [int(x) for x in f[2:7]]
if ours != theirs:
    print("  json:", sorted(ours.items()))
    print("  text:", sorted(theirs.items()))
    sys.exit(1)
print("  ..", len(ours), "entries agree, e.g.", sorted(ours.items())[0])
PYEOF
}
expect "json: every counter of -L --json equals the reference's --stats --exact" compare_json
