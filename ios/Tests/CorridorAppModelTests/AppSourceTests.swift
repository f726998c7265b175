import CorridorAppModel
import CorridorKit
import Foundation
import XCTest

/// What only Apple's SDK compiles (the SwiftUI views, the Keychain and background-task code) is
/// checked here by reading its source and the app's bundle files: identifiers anyone holding the
/// phone can read are neutral, and the views keep no trace of what the person reads or types.
final class AppSourceTests: XCTestCase {
    /// Words that would tell what the app is, in anything visible outside it or before the PIN.
    static let revealing = try! NSRegularExpression(
        pattern: #"(?i)(corridor|programme|programa|hiv|aids|sida|prep|pep|clinic|cl[ií]nica|report|viol|abuse|abuso|police|pol[ií]cia|health|sa[uú]de|sex|condom|preservativo)"#
    )

    static func reveals(_ text: String) -> Bool {
        revealing.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    func source(_ relative: String) throws -> String {
        try String(contentsOf: try TestEnvironment.appDirectory.appendingPathComponent(relative), encoding: .utf8)
    }

    func testTheRevealingWordsAreCaught() {
        for word in ["Corridor", "org.corridor.outbox", "HIV test", "PrEP", "Clínica", "violence", "Programme", "PEP"] {
            XCTAssertTrue(Self.reveals(word), word)
        }
        for word in ["Calculator", "Calculadora", "Reminder", "Lembrete", "net.simplecalc.app", "state"] {
            XCTAssertFalse(Self.reveals(word), word)
        }
    }

    /// The bundle identifier, the Info.plist's keys and values, the background task, the Keychain
    /// service, the notification category and the data directory: all readable from the phone.
    func testIdentifiersVisibleOutsideTheAppAreNeutral() throws {
        let project = try source("App/project.yml")
        for setting in ["PRODUCT_BUNDLE_IDENTIFIER", "bundleIdPrefix"] {
            let line = try XCTUnwrap(project.split(separator: "\n").first { $0.contains("\(setting):") }, setting)
            XCTAssertFalse(Self.reveals(String(line)), String(line))
        }
        XCTAssertTrue(project.contains("PRODUCT_BUNDLE_IDENTIFIER: net.simplecalc.app\n"), "Android's applicationId too")

        let plistURL = try TestEnvironment.appDirectory.appendingPathComponent("App/Info.plist")
        let plist = try PropertyListSerialization.propertyList(from: Data(contentsOf: plistURL), format: nil)
        var strings: [String] = []
        func collect(_ value: Any) {
            if let dictionary = value as? [String: Any] {
                for (key, inner) in dictionary {
                    strings.append(key)
                    collect(inner)
                }
            } else if let array = value as? [Any] {
                array.forEach(collect)
            } else if let string = value as? String {
                // $(NAME) is a build setting, replaced when the app is built.
                strings.append(string.replacingOccurrences(of: #"\$\([A-Z_]+\)"#, with: "", options: .regularExpression))
            }
        }
        collect(plist)
        XCTAssertGreaterThan(strings.count, 20)
        for string in strings {
            XCTAssertFalse(Self.reveals(string), "Info.plist: \(string)")
        }

        XCTAssertFalse(Self.reveals(NotificationRequestPlan.categoryIdentifier))
        XCTAssertFalse(Self.reveals(DataDirectory.name))
        // Compiled only with Apple's SDK: the literals of their declarations.
        let declarations = [
            ("Sources/CorridorKit/OutboxSync.swift", "public static let identifier = "),
            ("Sources/CorridorKit/Platform/KeychainDeviceSecret.swift", "public let keychainService = "),
        ]
        for (file, declaration) in declarations {
            let text = try source(file)
            let line = try XCTUnwrap(text.split(separator: "\n").first { $0.contains(declaration) }, "\(file): \(declaration)")
            XCTAssertFalse(Self.reveals(String(line)), String(line))
        }
        for file in ["Sources/CorridorKit/Platform/KeychainDeviceSecret.swift", "Sources/CorridorKit/Platform/SecureEnclaveDeviceSecret.swift"] {
            for line in try source(file).split(separator: "\n") where line.contains("account") && line.contains("\"") {
                XCTAssertFalse(Self.reveals(String(line)), String(line))
            }
        }
    }

    /// The views' source: a link in the content is shown, never followed (a browser keeps
    /// history); no text can be selected (and so copied to the shared pasteboard); every field
    /// the person types into disables autocorrection and capitals (the keyboard learns nothing);
    /// the cover is a window above every other, also while the screen is captured.
    func testTheViewsFollowNoLinkCopyNothingAndTeachTheKeyboardNothing() throws {
        let views = try TestEnvironment.appDirectory.appendingPathComponent("App/CorridorApp")
        var fields = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: views.path) where name.hasSuffix(".swift") {
            let text = try String(contentsOf: views.appendingPathComponent(name), encoding: .utf8)
            XCTAssertFalse(text.contains("textSelection(.enabled)"), "\(name): selectable text")
            XCTAssertFalse(text.contains(".link ="), "\(name): a followed link")
            XCTAssertFalse(text.contains("openURL"), "\(name): opens a URL")
            // The only links are telephone numbers (calling a clinic or a hotline is the person's act).
            XCTAssertEqual(text.components(separatedBy: "Link(").count, text.components(separatedBy: "URL(string: \"tel:").count,
                           "\(name): only telephone links")
            for line in text.split(separator: "\n")
            where line.contains("TextField(") || line.contains("SecureField(") || line.contains(".searchable(") {
                fields += 1
                XCTAssertTrue(line.contains(".privateEntry()"), "\(name): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        XCTAssertGreaterThanOrEqual(fields, 15, "every field was looked at")
        let root = try source("App/CorridorApp/RootView.swift")
        XCTAssertTrue(root.contains("autocorrectionDisabled().textInputAutocapitalization(.never)"))
        XCTAssertTrue(root.contains("UIWindow.Level.alert.rawValue + 1"), "the cover window is above alerts")
        let app = try source("App/CorridorApp/CorridorApp.swift")
        XCTAssertTrue(app.contains("CoverWindow.shared.show("), "the app shows the cover window")
        XCTAssertTrue(app.contains("UIScreen.capturedDidChangeNotification"), "and follows screen capture")
    }

    static let allTests = [
        ("testTheRevealingWordsAreCaught", testTheRevealingWordsAreCaught),
        ("testIdentifiersVisibleOutsideTheAppAreNeutral", testIdentifiersVisibleOutsideTheAppAreNeutral),
        ("testTheViewsFollowNoLinkCopyNothingAndTeachTheKeyboardNothing",
         testTheViewsFollowNoLinkCopyNothingAndTeachTheKeyboardNothing),
    ]
}
