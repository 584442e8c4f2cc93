#!/usr/bin/env bash
# The built package on the host: lintian finds no error and no warning that is not
# overridden (with its reason) in the package, the fields and the file list are the
# ones the package promises. The guest's package stage installs it (package.sh).
# Usage: Tests/Install/deb.sh DEB   (prints PASS/FAIL lines, exits 1 on a failure)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/Tests/Install/lib.sh"
deb=$1
if [ ! -f "$deb" ]; then fail "package: no file $deb"; echo "deb: $passed passed, $failed failed"; exit 1; fi

# --pedantic: every tag lintian has; only E: and W: fail (I: and P: are hints).
lintian --pedantic "$deb" >"$deb.lintian" 2>&1
status=$?
grep -v '^running with root privileges' "$deb.lintian" | sed 's/^/  lintian: /'
check "lintian exit status" 0 "$status"
check "lintian errors and warnings" "" "$(grep -E '^[EW]: ' "$deb.lintian")"

field() { dpkg-deb -f "$deb" "$1"; }
check "Package" swift-ipvsadm "$(field Package)"
check "Architecture" amd64 "$(field Architecture)"
check "Conflicts" ipvsadm "$(field Conflicts)"
check "Replaces" ipvsadm "$(field Replaces)"
[[ $(field Provides) == "ipvsadm (= 1:"* ]] && pass "Provides ipvsadm" || fail "Provides: $(field Provides)"
check "no Depends (static binary, Essential tools only)" "" "$(field Depends)"
version=$(field Version)
[[ $(basename "$deb") == "swift-ipvsadm_${version}_amd64.deb" ]] && pass "file name has version $version" ||
  fail "file name $(basename "$deb") does not match version $version"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$deb.files"
for file in /usr/sbin/ipvsadm /usr/sbin/ipvsadm-save /usr/sbin/ipvsadm-restore /lib/systemd/system/ipvsadm.service \
  /usr/share/man/man8/ipvsadm.8.gz /usr/share/man/man8/ipvsadm-save.8.gz /usr/share/man/man8/ipvsadm-restore.8.gz \
  /usr/share/bash-completion/completions/ipvsadm /usr/share/doc/swift-ipvsadm/copyright \
  /usr/share/doc/swift-ipvsadm/changelog.Debian.gz; do
  grep -qx "$file" "$deb.files" && pass "contains $file" || fail "does not contain $file"
done
content=$(mktemp -d)
trap 'rm -rf "$content"' EXIT
dpkg-deb -x "$deb" "$content"
file "$content/usr/sbin/ipvsadm" | grep -q 'statically linked.*stripped' && ! file "$content/usr/sbin/ipvsadm" | grep -q 'not stripped' &&
  pass "ipvsadm is static and stripped" || fail "ipvsadm: $(file -b "$content/usr/sbin/ipvsadm")"
check "the unit runs the packaged tools" "" "$(grep -n '/usr/local' "$content/lib/systemd/system/ipvsadm.service")"
grep -q 'ExecStart=.*/usr/sbin/ipvsadm-restore' "$content/lib/systemd/system/ipvsadm.service" &&
  pass "the unit restores with /usr/sbin/ipvsadm-restore" || fail "the unit does not run /usr/sbin/ipvsadm-restore"
for page in ipvsadm ipvsadm-save ipvsadm-restore; do
  cmp -s <(gzip -dc "$content/usr/share/man/man8/$page.8.gz") "$root/man/$page.8" &&
    pass "$page.8.gz is man/$page.8" || fail "$page.8.gz differs from man/$page.8"
done
# The maintainer scripts are POSIX sh (dash runs them).
for script in preinst postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$script" >"$content/$script" 2>/dev/null
  [ -s "$content/$script" ] && sh -n "$content/$script" && pass "$script: sh syntax" || fail "$script: missing or not sh"
done
echo "deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
