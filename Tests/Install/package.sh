#!/usr/bin/env bash
# The Debian package in the test VM (run by Scripts/guest-tests, as root): installs it
# with dpkg -i over Debian's ipvsadm as an admin would, checks what it installed, runs a
# smoke subset of the differential suite against the installed /usr/sbin/ipvsadm (the
# reference being a copy of Debian's, taken first), saves and restores with the
# installed scripts, completes live services with the installed bash completion, then
# removes and purges it and checks that nothing of it is left.
# The guest's /usr, /etc and /var are overlays whose writes stay in the guest's RAM:
# the test checks that before touching dpkg and refuses to run otherwise. It leaves
# Debian's ipvsadm removed, so it runs last in a boot.
# Usage: Tests/Install/package.sh DEB RESULTS_DIR
# Prints PASS/FAIL lines and "package: N passed, M failed".
set -u
deb=$(readlink -f "$1") results=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/Tests/Install/lib.sh"
mkdir -p "$results"
scratch=$(mktemp -d)
namespace=pkgtest-$$
cleanup() {
  ip netns delete "$namespace" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
finish() {
  echo "package: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# 1. dpkg may write only where the writes are thrown away with the guest: every
# directory it touches must be on an overlay whose upper layer is under /run (tmpfs).
for directory in /var/lib/dpkg /usr/sbin /usr/share /lib/systemd /etc /var/lib/systemd; do
  target=$(readlink -f "$directory")
  [ -e "$target" ] || target=$(dirname "$target")
  read -r fstype options < <(findmnt -n -o FSTYPE,OPTIONS --target "$target")
  if [ "$fstype" = overlay ] && [[ $options == *upperdir=/run/* ]]; then
    pass "$directory is a throwaway overlay"
  else
    fail "$directory is $fstype ($options): not throwaway, dpkg not run"
    finish
  fi
done
[ -f "$deb" ] || { fail "no package at $1"; finish; }

# 2. The reference, copied before ours replaces it.
reference=$scratch/reference-ipvsadm
cp /usr/sbin/ipvsadm "$reference"
check "Debian's ipvsadm installed before" "install ok installed" "$(dpkg-query -W -f='${Status}' ipvsadm 2>&1)"
# The man-db trigger would index every manual page under emulation: skip it (this file
# is man-db's switch for that; the overlay is thrown away).
rm -f /var/lib/man-db/auto-update
# Each dpkg run below reads the whole file database (about 120,000 paths) over the
# guest's 9p root, 30-50 s under emulation; copying it to tmpfs first costs more (seen:
# 306 s for cp -a), so the three runs read it where it is.

# 3. Install over Debian's ipvsadm: Conflicts+Replaces make dpkg remove it.
start=$SECONDS
dpkg -i "$deb" >"$results/dpkg-install.log" 2>&1
status=$?
check "dpkg -i exit status" 0 "$status"
echo "dpkg -i took $((SECONDS - start)) s"
grep -q "removing ipvsadm in favour of swift-ipvsadm" "$results/dpkg-install.log" &&
  pass "dpkg removed ipvsadm in favour of swift-ipvsadm" || fail "dpkg -i: $(tail -n 5 "$results/dpkg-install.log")"
check "swift-ipvsadm status" "install ok installed" "$(dpkg-query -W -f='${Status}' swift-ipvsadm 2>&1)"
# Removed, its conffiles (/etc/default/ipvsadm, /etc/init.d/ipvsadm) kept.
status=$(dpkg-query -W -f='${Status}' ipvsadm 2>&1)
[[ $status == *" config-files" ]] && pass "ipvsadm removed: $status" || fail "ipvsadm not removed: $status"
# Every file as the package has it (dpkg's own md5sums check), the merged-/usr names included.
check "dpkg --verify" "" "$(dpkg --verify swift-ipvsadm 2>&1)"
dpkg-deb -x "$deb" "$scratch/content"
for name in ipvsadm ipvsadm-save ipvsadm-restore; do
  cmp -s "$scratch/content/usr/sbin/$name" "/usr/sbin/$name" && pass "/usr/sbin/$name is the package's" ||
    fail "/usr/sbin/$name is not the package's"
  # On merged /usr, removing Debian's /sbin/$name must not have taken ours (preinst's diversions).
  cmp -s "$scratch/content/usr/sbin/$name" "/sbin/$name" && pass "/sbin/$name is the package's" ||
    fail "/sbin/$name: missing or not the package's"
done
check "no diversion left" "" "$(dpkg-divert --list | grep swift-ipvsadm)"
dpkg -L swift-ipvsadm >"$scratch/files"
for file in /lib/systemd/system/ipvsadm.service /usr/share/man/man8/ipvsadm.8.gz \
  /usr/share/man/man8/ipvsadm-save.8.gz /usr/share/man/man8/ipvsadm-restore.8.gz \
  /usr/share/bash-completion/completions/ipvsadm /usr/share/doc/swift-ipvsadm/copyright \
  /usr/share/doc/swift-ipvsadm/changelog.Debian.gz; do
  grep -qx "$file" "$scratch/files" && [ -s "$file" ] && pass "installed $file" || fail "not installed: $file"
done
check "ipvsadm.service not enabled" "" "$(ls /etc/systemd/system/*.wants/ipvsadm.service 2>/dev/null)"
check "installed ipvsadm -v" "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)" "$(ipvsadm -v 2>&1)"
MANPAGER=cat MANWIDTH=80 man 8 ipvsadm 2>/dev/null | grep -q 'swift-ipvsadm' &&
  pass "man 8 ipvsadm shows ours" || fail "man 8 ipvsadm does not show ours"

# 4. A smoke subset of the differential suite: the installed binary against the copy
# of the reference (add, edit, fwmark, persistence, forwarding, daemons, list, save, restore).
mkdir -p "$scratch/scenarios"
for number in 001 016 025 039 062 079 091 110 113 120; do
  ln -s "$root"/Tests/Differential/scenarios/$number-*.scenario "$scratch/scenarios/"
done
start=$SECONDS
REFERENCE_IPVSADM=$reference timeout 600 bash "$root/Tests/Differential/run.sh" /usr/sbin/ipvsadm \
  "$scratch/scenarios" "$results/differential" >"$results/differential.log" 2>&1
line=$(grep '^differential:' "$results/differential.log")
check "differential smoke subset against the installed ipvsadm" "differential: 10/10 scenarios identical" "$line"
echo "differential subset took $((SECONDS - start)) s"
[[ $line == *10/10* ]] || grep -v '^differential:' "$results/differential.log" | head -n 60

# 5. The installed save and restore scripts, and the installed completion, in a namespace.
ip netns add "$namespace"
ip -n "$namespace" link set lo up
in_ns() { ip netns exec "$namespace" "$@"; }
in_ns ipvsadm -A -t 10.9.0.1:80 -s rr
in_ns ipvsadm -a -t 10.9.0.1:80 -r 10.9.0.2:80 -g -w 2
in_ns ipvsadm -a -t 10.9.0.1:80 -r 10.9.0.3:80 -g -x 100 -y 10
in_ns ipvsadm -A -u 10.9.0.1:53 -s sh -b sh-port
before=$(in_ns ipvsadm -S -n)
in_ns ipvsadm-save -n "$scratch/rules"
check "ipvsadm-save FILE status" 0 "$?"
check "ipvsadm-save FILE holds the table" "$before" "$(cat "$scratch/rules")"
in_ns ipvsadm -C
in_ns ipvsadm -A -t 10.9.0.99:80
{ echo "# saved rules"; cat "$scratch/rules"; } | in_ns ipvsadm-restore
check "ipvsadm-restore status" 0 "$?"
check "ipvsadm-restore replaced the table" "$before" "$(in_ns ipvsadm -S -n)"

# complete_in NAMESPACE LINE: the installed completion's replies, in NAMESPACE ("" for this one).
complete_in() {
  local runner=()
  [ -z "$1" ] || runner=(ip netns exec "$1")
  "${runner[@]}" bash --norc --noprofile -c '
    . /usr/share/bash-completion/completions/ipvsadm
    COMP_LINE=$1 COMP_POINT=${#1}
    read -r -a COMP_WORDS <<<"$1"; COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _ipvsadm ipvsadm "" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ \$//"' complete "$2"
}
check "completion: live TCP services" "10.9.0.1:80" "$(complete_in "$namespace" "ipvsadm -D -t ")"
check "completion: live UDP services" "10.9.0.1:53" "$(complete_in "$namespace" "ipvsadm -E -u ")"
check "completion: live real servers" "10.9.0.2:80 10.9.0.3:80" "$(complete_in "$namespace" "ipvsadm -d -t 10.9.0.1:80 -r ")"
check "completion: services through --netns" "10.9.0.1:80" "$(complete_in "" "ipvsadm --netns $namespace -e -t ")"
ip netns delete "$namespace"

# 6. The admin enables the unit (offline: no systemd runs in the guest), then removes and
# purges the package: the files go with remove, the enable link with purge.
systemctl --root=/ enable ipvsadm.service >"$results/systemctl-enable.log" 2>&1
links=$(find /etc/systemd/system -name ipvsadm.service 2>/dev/null)
[ -n "$links" ] && pass "unit enabled by the admin: $links" || fail "systemctl enable made no link: $(cat "$results/systemctl-enable.log")"
start=$SECONDS
dpkg -r swift-ipvsadm >"$results/dpkg-remove.log" 2>&1
check "dpkg -r exit status" 0 "$?"
echo "dpkg -r took $((SECONDS - start)) s"
left=""
while IFS= read -r file; do
  [ -d "$file" ] && continue  # directories shared with other packages stay
  [ -e "$file" ] || [ -L "$file" ] && left+=" $file"
done <"$scratch/files"
check "dpkg -r removed every file of the package" "" "$left"
check "the admin's enable link stays until purge" "$links" "$(find /etc/systemd/system -name ipvsadm.service 2>/dev/null)"
check "/usr/sbin/ipvsadm gone" "" "$(ls /usr/sbin/ipvsadm /sbin/ipvsadm /usr/sbin/ipvsadm-save /usr/sbin/ipvsadm-restore 2>/dev/null)"
start=$SECONDS
dpkg --purge swift-ipvsadm >"$results/dpkg-purge.log" 2>&1
check "dpkg --purge exit status" 0 "$?"
echo "dpkg --purge took $((SECONDS - start)) s"
check "swift-ipvsadm status after purge" "" "$(dpkg-query -W -f='${Status}' swift-ipvsadm 2>/dev/null | grep -v 'not-installed')"
check "no dpkg database entry left" "" "$(ls /var/lib/dpkg/info/swift-ipvsadm.* 2>/dev/null)"
check "no enable link left after purge" "" "$(find /etc/systemd/system -name ipvsadm.service 2>/dev/null)"
check "no systemd helper state left" "" "$(find /var/lib/systemd -name '*ipvsadm*' 2>/dev/null)"
check "no diversion left after purge" "" "$(dpkg-divert --list | grep swift-ipvsadm)"
check "no documentation left" "" "$(ls -d /usr/share/doc/swift-ipvsadm /usr/share/lintian/overrides/swift-ipvsadm 2>/dev/null)"
cp /var/log/dpkg.log "$results/dpkg.log" 2>/dev/null
finish
