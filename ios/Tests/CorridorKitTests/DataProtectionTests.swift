import CorridorAppModel
import CorridorKit
import Foundation
import XCTest

/// The file system's data protection in the tests (Linux has none): the class of each path, what
/// was set, and a "locked phone" on which some paths refuse to be read or changed.
final class RecordingProtection: ProtectionAttributes, @unchecked Sendable {
    private let lock = NSLock()
    private var classes: [String: ProtectionClass] = [:]
    private(set) var sets = 0
    private(set) var excluded: [String] = []
    /// Paths (relative to `base`) that throw, as class-B files do while the phone is locked.
    var refuses: @Sendable (String) -> Bool = { _ in false }
    let base: URL

    init(base: URL) {
        self.base = base.standardizedFileURL
    }

    func relative(_ url: URL) -> String {
        let path = url.standardizedFileURL.path, root = base.path
        return path == root ? "" : String(path.dropFirst(root.count + 1))
    }

    func classOf(_ relativePath: String) -> ProtectionClass? { lock.withLock { classes[relativePath] } }

    func protectionClass(of url: URL) throws -> ProtectionClass? {
        let path = relative(url)
        if refuses(path) { throw CocoaError(.fileReadNoPermission) }
        return lock.withLock { classes[path] }
    }

    func setProtectionClass(_ protectionClass: ProtectionClass, of url: URL) throws {
        let path = relative(url)
        if refuses(path) { throw CocoaError(.fileWriteNoPermission) }
        lock.withLock {
            classes[path] = protectionClass
            sets += 1
        }
    }

    func excludeFromBackup(_ directory: URL) throws {
        lock.withLock { excluded.append(relative(directory)) }
    }
}

/// The data protection class of every file the core really makes, and how the app sets them.
final class DataProtectionTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("protection")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Every file the core makes on set-up, with the class it must have. A file the core starts
    /// making fails this test until someone decides its class here.
    func testEveryFileTheCoreMakesGetsItsExpectedClass() async throws {
        let protection = RecordingProtection(base: directory)
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener(), protection: protection)
        _ = try await corridor.setUpPersonal(pin: PIN)
        XCTAssertEqual(corridor.applyDataProtection(), [], "nothing refused")

        let entries = DataProtectionPolicy.entries(under: directory)
        let profiles = entries.filter { $0.hasPrefix("profiles/") && $0.hasSuffix(".db") }
        XCTAssertEqual(profiles.count, 2, "the person's profile and the decoy: \(entries)")
        let named = entries.map { entry in
            // Profile databases are named by random ids: replaced by a placeholder.
            profiles.contains(where: { entry.hasPrefix($0) }) ? "profiles/<id>.db" + entry.dropFirst(profiles.first { entry.hasPrefix($0) }!.count) : entry
        }
        let expected: [String: ProtectionClass] = [
            "": .completeUntilFirstUserAuthentication,
            ".data": .completeUntilFirstUserAuthentication,  // the core's marker of its data directory
            ".lock": .completeUntilFirstUserAuthentication,
            "attempts": .completeUntilFirstUserAuthentication,  // read before the PIN is checked
            "keyslots": .completeUntilFirstUserAuthentication,  // read before the PIN is checked
            "device.db": .completeUntilFirstUserAuthentication,  // the outbox, drained while locked
            "profiles": .completeUnlessOpen,
            "profiles/<id>.db": .completeUnlessOpen,
        ]
        XCTAssertEqual(Set(named), Set(expected.keys), "the files the core makes: \(entries)")
        for (entry, name) in zip(entries, named) {
            XCTAssertEqual(DataProtectionPolicy.protectionClass(forRelativePath: entry), expected[name], entry)
            XCTAssertEqual(protection.classOf(entry), expected[name], "\(entry) was given its class")
        }
        XCTAssertEqual(protection.excluded.last, "", "the data directory is excluded from backups")

        // A class already right is not set again.
        let setsBefore = protection.sets
        XCTAssertEqual(corridor.applyDataProtection(), [])
        XCTAssertEqual(protection.sets, setsBefore, "only what differs is set")
    }

    /// The phone is locked (the background refresh): the class-B profiles refuse, everything else
    /// is still set and the vault opens; the app notices and tries again when it becomes active.
    @MainActor func testALockedProfileDoesNotStopTheVaultAndIsRetriedWhenTheAppIsActive() async throws {
        let protection = RecordingProtection(base: directory)
        let setUp = try CorridorVault.open(at: directory, strengthener: deviceStrengthener(), protection: protection)
        _ = try await setUp.setUpPersonal(pin: PIN)
        // A new profile database appears with no class yet (as the core makes it), and the phone locks.
        let profile = try XCTUnwrap(DataProtectionPolicy.entries(under: directory).first { $0.hasPrefix("profiles/") && $0.hasSuffix(".db") })
        try Data().write(to: directory.appendingPathComponent("profiles/late.db"))
        protection.refuses = { $0.hasPrefix("profiles/") }

        let failed = setUp.applyDataProtection()
        XCTAssertTrue(failed.contains(profile) && failed.contains("profiles/late.db"), "\(failed)")
        XCTAssertTrue(failed.allSatisfy { $0.hasPrefix("profiles") }, "only the refused files: \(failed)")

        let lockedPhone = try CorridorVault.open(at: directory, strengthener: deviceStrengthener(), protection: protection)
        let status = try await lockedPhone.status()
        XCTAssertTrue(status.setUp, "the vault opens although some classes could not be set")

        let app = AppModel(corridor: lockedPhone, configuration: AppConfiguration(hubURL: nil), scheduler: nil,
                           numberFormat: english, language: "en")
        await app.start()
        XCTAssertTrue(app.dataProtectionIncomplete)
        guard case .disguise = app.screen else { return XCTFail("the calculator all the same") }
        app.sceneBecameActive()
        XCTAssertTrue(app.dataProtectionIncomplete, "still locked")
        protection.refuses = { _ in false }
        app.sceneBecameActive()
        XCTAssertFalse(app.dataProtectionIncomplete, "set once the phone is unlocked")
        XCTAssertEqual(protection.classOf("profiles/late.db"), .completeUnlessOpen)
    }

    /// The first launch of an installation (no data directory) clears what an earlier one left in
    /// the Keychain, once; the background refresh never makes the directory or clears anything.
    func testTheFirstLaunchIsNoticedOnceAndOnlyByTheApp() throws {
        var cleared = 0
        XCTAssertNil(try DataDirectory.locate(in: directory, create: false) { cleared += 1 })
        XCTAssertEqual(cleared, 0)
        let data = try XCTUnwrap(try DataDirectory.locate(in: directory, create: true) { cleared += 1 })
        XCTAssertEqual(cleared, 1)
        XCTAssertEqual(data.lastPathComponent, DataDirectory.name)
        XCTAssertEqual(try DataDirectory.locate(in: directory, create: true) { cleared += 1 }, data)
        XCTAssertEqual(try DataDirectory.locate(in: directory, create: false) { cleared += 1 }, data)
        XCTAssertEqual(cleared, 1, "only the first launch clears")
    }

    static let allTests = [
        ("testEveryFileTheCoreMakesGetsItsExpectedClass", asyncTest(testEveryFileTheCoreMakesGetsItsExpectedClass)),
        ("testALockedProfileDoesNotStopTheVaultAndIsRetriedWhenTheAppIsActive",
         asyncTest(testALockedProfileDoesNotStopTheVaultAndIsRetriedWhenTheAppIsActive)),
        ("testTheFirstLaunchIsNoticedOnceAndOnlyByTheApp", testTheFirstLaunchIsNoticedOnceAndOnlyByTheApp),
    ]
}
