// The test entry point on Linux, where XCTest cannot discover tests by itself: every test class
// lists its tests in `allTests`, and scripts/test-ios.sh checks that none is left out.
import XCTest

XCTMain([
    testCase(VaultTests.allTests),
    testCase(RemindersTests.allTests),
    testCase(ContentTests.allTests),
    testCase(DataProtectionTests.allTests),
    testCase(CalculatorTests.allTests),
    testCase(ReportAndLearnTests.allTests),
    testCase(SettingsTests.allTests),
    testCase(EducatorTests.allTests),
    testCase(StringsTests.allTests),
    testCase(AppSourceTests.allTests),
])
