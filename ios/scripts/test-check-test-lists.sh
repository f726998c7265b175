#!/usr/bin/env bash
# Tests ios/scripts/check-test-lists.sh on small fixtures: a complete set passes; a test listed
# only in another class's allTests, a test outside a class, and a class missing from main.swift
# each fail.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

fixture() {  # fixture NAME: a complete, correct set of lists in $scratch/NAME
  local tests="$scratch/$1"
  mkdir -p "$tests/A" "$tests/LinuxSupport"
  cat >"$tests/A/ATests.swift" <<'SWIFT'
final class ATests: XCTestCase {
    func testOne() {}
    static let allTests = [("testOne", testOne)]
}
SWIFT
  cat >"$tests/A/BTests.swift" <<'SWIFT'
final class BTests: XCTestCase {
    func testTwo() {}
    static let allTests = [("testTwo", testTwo)]
}
SWIFT
  printf 'XCTMain([\n    testCase(ATests.allTests),\n    testCase(BTests.allTests),\n])\n' >"$tests/LinuxSupport/main.swift"
  echo "$tests"
}
expect() {  # expect pass|fail DESCRIPTION DIR
  if "$here/check-test-lists.sh" "$3" 2>/dev/null; then result=pass; else result=fail; fi
  [ "$result" = "$1" ] || { echo "test-lists check test FAILED: $2 (expected $1, got $result)" >&2; failures=$((failures + 1)); }
}

expect pass "a complete set" "$(fixture good)"

other=$(fixture other)
sed -i 's/static let allTests = \[("testTwo", testTwo)\]/static let allTests: [(String, Any)] = []/' "$other/A/BTests.swift"
sed -i 's/static let allTests = \[("testOne", testOne)\]/static let allTests = [("testOne", testOne), ("testTwo", BTests.testTwo)]/' "$other/A/ATests.swift"
expect fail "testTwo listed only in ATests.allTests" "$other"

loose=$(fixture loose)
printf 'func testLoose() {}\n' >"$loose/A/Helpers.swift"
expect fail "a test outside a class" "$loose"

unlisted=$(fixture unlisted)
sed -i '/BTests/d' "$unlisted/LinuxSupport/main.swift"
expect fail "a class missing from main.swift" "$unlisted"

[ "$failures" -eq 0 ] || exit 1
echo "test lists check: ok"
