import CorridorAppModel
import CorridorFFI
import Foundation
import XCTest

/// The app's English and Portuguese strings: the same keys in both, every key the view models
/// and the views use is there, and what shows before the PIN gives nothing away.
final class StringsTests: XCTestCase {
    /// Reads `"key" = "value";` lines of a .strings file (comments and blank lines skipped).
    func strings(_ language: String, _ file: String = "Localizable.strings") throws -> [String: String] {
        let url = try TestEnvironment.appDirectory.appendingPathComponent("App/Resources/\(language).lproj/\(file)")
        let text = try String(contentsOf: url, encoding: .utf8)
        let entry = try NSRegularExpression(pattern: #"^\s*"((?:[^"\\]|\\.)+)"\s*=\s*"((?:[^"\\]|\\.)*)"\s*;\s*$"#)
        var table: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("//") || trimmed.hasPrefix("/*") { continue }
            guard let match = entry.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                  let key = Range(match.range(at: 1), in: line), let value = Range(match.range(at: 2), in: line) else {
                XCTFail("\(language)/\(file): not a strings entry: \(line)")
                continue
            }
            XCTAssertNil(table[String(line[key])], "\(language)/\(file): \(line[key]) twice")
            table[String(line[key])] = String(line[value])
        }
        return table
    }

    /// The keys the SwiftUI views pass to `L("…")`.
    func keysUsedByTheViews() throws -> Set<String> {
        let views = try TestEnvironment.appDirectory.appendingPathComponent("App/CorridorApp")
        let call = try NSRegularExpression(pattern: #"\bL\("([^"]+)""#)
        var keys = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: views.path) where name.hasSuffix(".swift") {
            let text = try String(contentsOf: views.appendingPathComponent(name), encoding: .utf8)
            for match in call.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                keys.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        return keys
    }

    func testEnglishAndPortugueseHaveTheSameKeysAndEveryKeyInUse() throws {
        let english = try strings("en")
        let portuguese = try strings("pt")
        XCTAssertEqual(Set(english.keys), Set(portuguese.keys), "the same keys in both languages")
        let used = try keysUsedByTheViews()
        XCTAssertGreaterThan(used.count, 40, "the views are localised")
        for key in Set(MessageKeys.all).union(used) {
            XCTAssertNotNil(english[key], "en lacks \(key)")
            XCTAssertNotNil(portuguese[key], "pt lacks \(key)")
        }
        for (key, value) in english where value.contains("%") {
            XCTAssertEqual(
                value.components(separatedBy: "%").count, portuguese[key]?.components(separatedBy: "%").count,
                "\(key): the same format arguments"
            )
        }
    }

    func testTheInstalledNameIsTheCoverAndNothingShownBeforeThePinRevealsTheApp() throws {
        for language in ["en", "pt"] {
            let names = try strings(language, "InfoPlist.strings")
            XCTAssertEqual(names["CFBundleDisplayName"], language == "en" ? "Calculator" : "Calculadora")
            let revealing = AppSourceTests.revealing
            for (key, value) in names {
                XCTAssertNil(revealing.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)), "\(key): \(value)")
            }
            // The privacy cover and the notification placeholder show before the PIN.
            let table = try strings(language)
            for key in ["cover.title", "notification.hiddenPlaceholder"] {
                let value = try XCTUnwrap(table[key], key)
                XCTAssertNil(revealing.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)), "\(key): \(value)")
            }
        }
    }

    func testInfoPlistNamesTheCoverOffersEveryCoverIconAndDrainsTheOutboxInTheBackground() throws {
        let url = try TestEnvironment.appDirectory.appendingPathComponent("App/Info.plist")
        let plist = try XCTUnwrap(
            try PropertyListSerialization.propertyList(from: Data(contentsOf: url), format: nil) as? [String: Any]
        )
        XCTAssertEqual(plist["CFBundleDisplayName"] as? String, "Calculator")
        let icons = try XCTUnwrap((plist["CFBundleIcons"] as? [String: Any])?["CFBundleAlternateIcons"] as? [String: Any])
        for cover in covers() where cover.id != "calculator" {
            XCTAssertNotNil(icons[cover.iconName], "an alternate icon for the \(cover.id) cover")
        }
        XCTAssertEqual(plist["BGTaskSchedulerPermittedIdentifiers"] as? [String], ["net.simplecalc.app.refresh"])
        XCTAssertEqual(plist["UIBackgroundModes"] as? [String], ["fetch"])
    }

    static let allTests = [
        ("testInfoPlistNamesTheCoverOffersEveryCoverIconAndDrainsTheOutboxInTheBackground",
         testInfoPlistNamesTheCoverOffersEveryCoverIconAndDrainsTheOutboxInTheBackground),
        ("testEnglishAndPortugueseHaveTheSameKeysAndEveryKeyInUse", testEnglishAndPortugueseHaveTheSameKeysAndEveryKeyInUse),
        ("testTheInstalledNameIsTheCoverAndNothingShownBeforeThePinRevealsTheApp",
         testTheInstalledNameIsTheCoverAndNothingShownBeforeThePinRevealsTheApp),
    ]
}
