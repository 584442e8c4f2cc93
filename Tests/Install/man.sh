#!/usr/bin/env bash
# The manual pages (man/): each renders without a single warning (mandoc's linter and
# groff's), and ipvsadm.8 documents every command and option of the option table, every
# scheduler, and no option the program does not have.
# Usage: Tests/Install/man.sh   (from anywhere; prints PASS/FAIL lines, exits 1 on a failure)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/Tests/Install/lib.sh"
table=$root/Sources/IPVSAdmin/OptionTable.swift

for page in ipvsadm.8 ipvsadm-save.8 ipvsadm-restore.8; do
  file=$root/man/$page
  if [ ! -s "$file" ]; then fail "man $page: missing"; continue; fi
  # -W warning: warnings and errors, not style hints.
  output=$(mandoc -T lint -W warning "$file" 2>&1); status=$?
  if [ "$status" -eq 0 ] && [ -z "$output" ]; then pass "man $page: mandoc lint clean"; else fail "man $page: mandoc lint: $output"; fi
  output=$(groff -man -ww -z "$file" 2>&1); status=$?
  if [ "$status" -eq 0 ] && [ -z "$output" ]; then pass "man $page: groff -ww clean"; else fail "man $page: groff: $output"; fi
  # Rendered, with the sections every page has.
  text=$(mandoc -T utf8 "$file" 2>&1 | col -b)
  missing=""
  for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" "SEE ALSO"; do
    grep -q "^$section\$" <<<"$text" || missing+=" $section"
  done
  check "man $page: sections" "" "$missing"
done

page=$root/man/ipvsadm.8
# Every long option (commands included) as the page writes it, \-\-name, and every short one as \-X.
longs=$(option_table_longs "$table")
[ "$(wc -l <<<"$longs")" -ge 60 ] && pass "option table read ($(wc -l <<<"$longs") long options)" ||
  fail "option table: only $(wc -l <<<"$longs") long options found; has its layout changed?"
missing=""
for option in $longs; do
  grep -qF -- "\\-\\-${option//-/\\-}" "$page" || missing+=" --$option"
done
check "ipvsadm.8 documents every long option" "" "$missing"
missing=""
for option in $(option_table_shorts "$table"); do
  grep -qE -- "\\\\-$option([^A-Za-z0-9]|\$)" "$page" || missing+=" -$option"
done
check "ipvsadm.8 documents every short option" "" "$missing"
# And no long option the program does not have (a renamed or removed one).
unknown=""
for option in $(grep -oE '\\-\\-[a-z0-9]([a-z0-9]|\\-)*' "$page" | sed 's/\\-/-/g; s/^--//' | sort -u); do
  grep -qx -- "$option" <<<"$longs" || unknown+=" --$option"
done
check "ipvsadm.8 names no unknown long option" "" "$unknown"
schedulers=$(grep -oE 'schedulers = "[a-z|]+"' "$root/Sources/IPVSAdmin/Usage.swift" | sed 's/.*"\(.*\)"/\1/' | tr '|' ' ')
missing=""
for scheduler in $schedulers; do
  grep -qx "\\.B $scheduler" "$page" || missing+=" $scheduler"
done
[ -n "$schedulers" ] && check "ipvsadm.8 describes every scheduler ($schedulers)" "" "$missing" ||
  fail "schedulers: none found in Usage.swift"
# The deviations and extensions have their sections.
for section in "DIFFERENCES FROM IPVSADM 1.31" EXTENSIONS EXAMPLES COMMANDS; do
  grep -q "^\\.SH $section\$" "$page" && pass "ipvsadm.8 has $section" || fail "ipvsadm.8: no section $section"
done

echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
