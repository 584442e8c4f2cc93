# Shared by the install tests: one PASS or FAIL line per check, counted by run.sh.
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# check NAME EXPECTED ACTUAL
check() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
# The long options of the option table (Sources/IPVSAdmin/OptionTable.swift), one a line.
option_table_longs() {
  grep -oE '\.command\(\.[A-Za-z]+, "[a-z0-9-]+"|\.setting\("[a-z0-9-]+"|Option\(long: "[a-z0-9-]+"' "$1" |
    sed -E 's/.*"([a-z0-9-]+)"$/\1/' | sort -u
}
# Its short options (the `shorts` strings: "Ll" is -L and -l), one a line.
option_table_shorts() {
  grep -oE '\.command\(\.[A-Za-z]+, "[a-z0-9-]+", "[A-Za-z0-9]+"|\.setting\("[a-z0-9-]+", "[A-Za-z0-9]+"|shorts: "[A-Za-z0-9]+"' "$1" |
    sed -E 's/.*"([A-Za-z0-9]+)"$/\1/' | fold -w1 | sort -u
}
