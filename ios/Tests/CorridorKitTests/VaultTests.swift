import CorridorFFI
import CorridorKit
import Foundation
import XCTest

/// Set-up and unlocking through the Swift layer, with the app's own key strengthener.
final class VaultTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("vault")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testSetUpThenUnlockWithThePinAndNotWithAWrongOne() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        let before = try await corridor.status()
        XCTAssertFalse(before.setUp)

        let session = try await corridor.setUpPersonal(pin: PIN)
        try session.settingSet(key: "marker", value: "real data")
        XCTAssertNotNil(try session.clientCode(), "set-up gives the person a client code")
        session.lock()
        XCTAssertThrowsError(try session.settingGet(key: "marker")) { error in
            XCTAssertEqual(error as? CorridorError, .Locked)
        }

        guard case .wrongPin(let attemptsLeft, _) = try await corridor.unlock(pin: "111111") else {
            return XCTFail("a wrong PIN must not unlock")
        }
        XCTAssertGreaterThan(attemptsLeft, 0)
        let counted = try await corridor.status()
        XCTAssertEqual(counted.failedAttempts, 1)

        guard case .unlocked(let reopened) = try await corridor.unlock(pin: PIN) else {
            return XCTFail("the PIN must unlock")
        }
        XCTAssertEqual(try reopened.settingGet(key: "marker"), "real data")
        let reset = try await corridor.status()
        XCTAssertEqual(reset.failedAttempts, 0)
        XCTAssertEqual(reset.kind, .personal)
    }

    func testAPinThatIsTooShortIsRefusedWithAClearError() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        do {
            _ = try await corridor.setUpPersonal(pin: "12")
            XCTFail("a two-digit PIN must be refused")
        } catch CorridorError.InvalidInput(let field, _) {
            XCTAssertEqual(field, "pin")
        }
        let status = try await corridor.status()
        XCTAssertFalse(status.setUp)
    }

    /// The same PIN under another device key opens nothing: the key strengthener binds the data
    /// to the device, and forget() (quick delete) destroys that binding for good.
    func testTheDeviceKeyBindsTheDataAndQuickDeleteDestroysIt() async throws {
        let lockedUse = InMemoryDeviceSecret(), unlockedOnly = InMemoryDeviceSecret()
        let corridor = try CorridorVault.open(
            at: directory, strengthener: deviceStrengthener(lockedUse: lockedUse, unlockedOnly: unlockedOnly)
        )
        _ = try await corridor.setUpPersonal(pin: PIN)

        let otherDevice = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        guard case .wrongPin = try await otherDevice.unlock(pin: PIN) else {
            return XCTFail("another device's key must not open the profile")
        }

        try corridor.vault.quickDelete()
        XCTAssertEqual(lockedUse.destroyed, 1, "quick delete destroys the locked-use device key")
        XCTAssertEqual(unlockedOnly.destroyed, 1, "quick delete destroys the unlocked-only device key")
        let status = try await corridor.status()
        XCTAssertFalse(status.setUp)
    }

    func testTheStrengthenerIsDeterministicAndAKeystoreFailureBecomesAPlatformError() async throws {
        let secret = InMemoryDeviceSecret()
        let strengthener = deviceStrengthener(unlockedOnly: secret)
        let input = Data("input".utf8)
        let first = try strengthener.strengthen(input: input)
        XCTAssertEqual(first.count, 32)
        XCTAssertEqual(try strengthener.strengthen(input: input), first)
        XCTAssertNotEqual(try strengthener.strengthen(input: Data("other".utf8)), first)
        // RFC 4231 test case 2: the MAC is HMAC-SHA256.
        let jefe = FixedSecret(bytes: Data("Jefe".utf8))
        let rfc = DeviceKeyStrengthener(lockedUseSecret: jefe, unlockedOnlySecret: jefe, authenticate: hmacSHA256)
        XCTAssertEqual(
            try rfc.strengthen(input: Data("what do ya want for nothing?".utf8)).map { String(format: "%02x", $0) }.joined(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        )

        try strengthener.forget()
        XCTAssertNotEqual(try strengthener.strengthen(input: input), first, "a forgotten key is replaced")

        secret.failing = true
        XCTAssertThrowsError(try strengthener.strengthen(input: input)) { error in
            guard case .Platform(let reason)? = error as? CorridorError else {
                return XCTFail("expected a Platform error, got \(error)")
            }
            XCTAssertFalse(reason.contains("input"))
        }
        // Through the core: a set-up whose keystore fails is refused with a Platform error.
        let corridor = try CorridorVault.open(at: directory, strengthener: strengthener)
        do {
            _ = try await corridor.setUpPersonal(pin: PIN)
            XCTFail("set-up must fail when the keystore fails")
        } catch CorridorError.Platform {
        }
    }

    /// The core's device-bound inputs (the device store) use the secret readable while the phone
    /// is locked; PIN inputs only the one readable while it is unlocked. Through the real core: with
    /// the phone "locked" (the unlocked-only secret refused) the device store still opens and the
    /// locked reminders are planned, while no PIN can be checked; unlocked again, the PIN opens.
    func testPinInputsUseTheUnlockedOnlySecretAndOnlyDeviceInputsTheLockedUseOne() async throws {
        let prefix = deviceKeyInputPrefix()
        XCTAssertFalse(prefix.isEmpty, "the core names its device-bound inputs")
        let strengthener = deviceStrengthener()
        XCTAssertEqual(strengthener.secretFor(input: prefix + Data("store".utf8)), .lockedUse)
        XCTAssertEqual(strengthener.secretFor(input: prefix), .lockedUse)
        XCTAssertEqual(strengthener.secretFor(input: Data(PIN.utf8)), .unlockedOnly)
        XCTAssertEqual(strengthener.secretFor(input: Data()), .unlockedOnly)
        XCTAssertEqual(strengthener.secretFor(input: prefix.dropLast()), .unlockedOnly, "a part of the prefix is not it")
        XCTAssertEqual(strengthener.secretFor(input: Data("x".utf8) + prefix), .unlockedOnly, "only at the start")
        let noPrefix = DeviceKeyStrengthener(
            lockedUseSecret: InMemoryDeviceSecret(), unlockedOnlySecret: InMemoryDeviceSecret(),
            devicePrefix: Data(), authenticate: hmacSHA256
        )
        XCTAssertEqual(noPrefix.secretFor(input: prefix), .unlockedOnly, "an empty prefix matches nothing")

        let lockedUse = InMemoryDeviceSecret(), unlockedOnly = InMemoryDeviceSecret()
        let corridor = try CorridorVault.open(
            at: directory, strengthener: deviceStrengthener(lockedUse: lockedUse, unlockedOnly: unlockedOnly)
        )
        _ = try await corridor.setUpPersonal(pin: PIN)
        XCTAssertGreaterThan(unlockedOnly.reads, 0, "the PIN's keys come from the unlocked-only secret")
        XCTAssertGreaterThan(lockedUse.reads, 0, "the device store's key comes from the locked-use secret")

        // The phone locks: a fresh launch (the background refresh) with the unlocked-only secret refused.
        unlockedOnly.failing = true
        let pinReadsBefore = unlockedOnly.reads
        let background = try CorridorVault.open(
            at: directory, strengthener: deviceStrengthener(lockedUse: lockedUse, unlockedOnly: unlockedOnly)
        )
        let status = try await background.status()
        XCTAssertTrue(status.setUp)
        _ = try background.vault.reconcileLocked(scheduler: RecordingScheduler())
        XCTAssertEqual(try background.vault.pendingSessionUploads(), 0)
        XCTAssertEqual(unlockedOnly.reads, pinReadsBefore, "nothing done while locked asks for the PIN secret")
        do {
            _ = try await background.unlock(pin: PIN)
            XCTFail("no PIN can be checked while the phone is locked")
        } catch CorridorError.Platform {
        }

        unlockedOnly.failing = false
        guard case .unlocked = try await background.unlock(pin: PIN) else {
            return XCTFail("the PIN opens the profile once the phone is unlocked")
        }
    }

    static let allTests = [
        ("testPinInputsUseTheUnlockedOnlySecretAndOnlyDeviceInputsTheLockedUseOne",
         asyncTest(testPinInputsUseTheUnlockedOnlySecretAndOnlyDeviceInputsTheLockedUseOne)),
        ("testSetUpThenUnlockWithThePinAndNotWithAWrongOne", asyncTest(testSetUpThenUnlockWithThePinAndNotWithAWrongOne)),
        ("testAPinThatIsTooShortIsRefusedWithAClearError", asyncTest(testAPinThatIsTooShortIsRefusedWithAClearError)),
        ("testTheDeviceKeyBindsTheDataAndQuickDeleteDestroysIt", asyncTest(testTheDeviceKeyBindsTheDataAndQuickDeleteDestroysIt)),
        ("testTheStrengthenerIsDeterministicAndAKeystoreFailureBecomesAPlatformError",
         asyncTest(testTheStrengthenerIsDeterministicAndAKeystoreFailureBecomesAPlatformError)),
    ]
}

struct FixedSecret: DeviceSecret {
    let bytes: Data
    var exists: Bool { true }
    func key() throws -> Data { bytes }
    func destroy() throws {}
}
