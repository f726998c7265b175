#!/usr/bin/env bash
# Checks the Linux test lists of the Swift tests under $1 (ios/Tests): XCTest cannot discover
# tests on Linux, so each class lists its tests in allTests and LinuxSupport/main.swift lists the
# classes; a test left out would never run. One test class per file, so that "its class's
# allTests" is "its file's allTests" (a name listed in another class's allTests does not count).
# Tested by ios/scripts/test-check-test-lists.sh.
set -euo pipefail
tests=$1
status=0
for file in "$tests"/*/*.swift; do
  classes=$(grep -c 'class [A-Za-z0-9_]*: XCTestCase' "$file" || true)
  names=$(grep -o 'func test[A-Za-z0-9_]*' "$file" | sed 's/^func //' | sort -u || true)
  if [ "$classes" -eq 0 ]; then
    [ -z "$names" ] || { echo "error: $file has tests outside a test class" >&2; status=1; }
    continue
  fi
  [ "$classes" -eq 1 ] || { echo "error: $file holds more than one test class" >&2; status=1; continue; }
  for name in $names; do
    grep -q "(\"$name\"" "$file" || { echo "error: $name is not in its class's allTests ($file)" >&2; status=1; }
  done
  class=$(sed -n 's/^.*class \([A-Za-z0-9_]*\): XCTestCase.*$/\1/p' "$file")
  grep -q "testCase($class.allTests)" "$tests/LinuxSupport/main.swift" \
    || { echo "error: $class is not in $tests/LinuxSupport/main.swift" >&2; status=1; }
done
exit "$status"
