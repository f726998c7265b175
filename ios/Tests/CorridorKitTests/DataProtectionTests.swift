import CorridorKit
import Foundation
import XCTest

/// The data protection class of every file the core really makes (iOS applies them; here the
/// policy is checked against a real data directory).
final class DataProtectionTests: XCTestCase {
    func testProfileDatabasesAreClassBAndWhatMustWorkWhileLockedIsClassC() async throws {
        let directory = try temporaryDirectory("protection")
        defer { try? FileManager.default.removeItem(at: directory) }
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        _ = try await corridor.setUpPersonal(pin: PIN)
        let entries = DataProtectionPolicy.entries(under: directory)
        let profiles = entries.filter { $0.hasPrefix("profiles/") && $0.hasSuffix(".db") }
        XCTAssertEqual(profiles.count, 2, "the person's profile and the decoy: \(entries)")
        for profile in profiles {
            XCTAssertEqual(DataProtectionPolicy.protectionClass(forRelativePath: profile), .completeUnlessOpen)
        }
        XCTAssertEqual(DataProtectionPolicy.protectionClass(forRelativePath: "profiles"), .completeUnlessOpen)
        for lockedUse in ["device.db", "keyslots", "attempts"] {
            XCTAssertTrue(entries.contains(lockedUse), "\(lockedUse) in \(entries)")
            XCTAssertEqual(DataProtectionPolicy.protectionClass(forRelativePath: lockedUse), .completeUntilFirstUserAuthentication)
        }
        XCTAssertEqual(DataProtectionPolicy.protectionClass(forRelativePath: "device.db-wal"), .completeUntilFirstUserAuthentication)
        XCTAssertEqual(DataProtectionPolicy.protectionClass(forRelativePath: ""), .completeUntilFirstUserAuthentication)
    }

    static let allTests = [
        ("testProfileDatabasesAreClassBAndWhatMustWorkWhileLockedIsClassC",
         asyncTest(testProfileDatabasesAreClassBAndWhatMustWorkWhileLockedIsClassC)),
    ]
}
