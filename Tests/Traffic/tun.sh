#!/usr/bin/env bash
# LVS-TUN (-i): the director encapsulates to real servers on another subnet, across
# the router; they decapsulate (VIP on the tunnel device, rp_filter off) and answer
# the client directly. Tunnel types: ipip, and gue / gre where the kernel has them.
. "$(dirname "$0")/lib.sh" tun "$1"
build_routed 10.79 2 0
have_gue=0 have_gre=0
modprobe ipip || die "modprobe ipip"
modprobe fou 2>/dev/null && have_gue=1
modprobe ip_gre 2>/dev/null && have_gre=1
for i in 1 2; do
  n=rs$i
  rs_arp_quiet "$n"
  # One shell per real server (in its namespace): decapsulation with the VIP on the
  # ipip fallback device tunl0, rp_filter off; GUE (fou port 6080, inner protocol
  # IPIP, so it lands on tunl0 too) and the GRE fallback device gre0 when available.
  nsx "$n" sh -c 'set -e
    sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
      net.ipv4.conf.eth0.rp_filter=0
    ip link set dev tunl0 up
    ip addr add "$1/32" dev tunl0
    sysctl -qw net.ipv4.conf.tunl0.rp_filter=0' sh "$VIP" || die "tunl0 in $n"
  if [ $have_gue = 1 ]; then
    ip -n "$(ns "$n")" fou add port 6080 gue || have_gue=0
  fi
  if [ $have_gre = 1 ]; then
    nsx "$n" sh -c 'set -e; ip link set dev gre0 up; ip addr add "$1/32" dev gre0
      sysctl -qw net.ipv4.conf.gre0.rp_filter=0' sh "$VIP" || have_gre=0
  fi
  start_http "$n" "$n" 80
done
for i in 1 2; do wait_listen "rs$i" tcp 80; done
N=20

# tun_case LABEL cmd|restore IPVSADM-REAL-SERVER-OPTIONS...: configure the service
# with one ipvsadm call per rule, or all rules in one `ipvsadm -R` (restore) call.
tun_case() {
  local label=$1 how=$2 r conns inpk out; shift 2
  if [ "$how" = cmd ]; then
    must -A -t "$VIP:80" -s rr
    for r in "${RS[@]}"; do must -a -t "$VIP:80" -r "$r" "$@"; done
  else
    { echo "-A -t $VIP:80 -s rr"; for r in "${RS[@]}"; do echo "-a -t $VIP:80 -r $r $*"; done; } \
      >"$WORK/rules"
    ipvs -R <"$WORK/rules" || die "ipvsadm -R failed: $(tr '\n' ';' <"$WORK/rules")"
  fi
  http_requests "$WORK/$label" "$VIP" 80 $N
  report "LVS-TUN $label rr (configured by $how)" "$WORK/$label" rs1 rs2
  expect "LVS-TUN $label: all $N answered, 10/10" test "$ANSWERED $SPLIT" = "$N rs1=10 rs2=10"
  stats_read
  read -r conns inpk out _ < <(stat_line "TCP $VIP:80" -)
  echo "LVS-TUN $label director: Conns $conns InPkts $inpk OutPkts $out"
  expect "LVS-TUN $label replies bypass the director (Conns $conns = $N, OutPkts $out = 0)" \
    test "${conns:-x}" = $N -a "${out:-x}" = 0
  expect "LVS-TUN $label -L -n --tun-info same as reference" same_view -L -n --tun-info
  expect "LVS-TUN $label -S -n same as reference" same_view -S -n
  must -C
}

tun_case ipip cmd -i
if [ $have_gue = 1 ]; then
  tun_case gue cmd -i --tun-type gue --tun-port 6080
else
  echo "LVS-TUN gue: SKIPPED (kernel has no fou/gue: modprobe fou failed)"
fi
if [ $have_gre = 1 ]; then
  tun_case gre restore -i --tun-type gre
else
  echo "LVS-TUN gre: SKIPPED (modprobe ip_gre failed)"
fi
