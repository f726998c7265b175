import CorridorFFI
import Foundation

/// Key material bound to this device: on an iPhone a secret derived by ECDH with a Secure
/// Enclave P-256 key, or a random secret in a this-device-only Keychain item (see
/// `SecureEnclaveDeviceSecret` and `KeychainDeviceSecret`). Never gated by a password or
/// biometry: the PIN is checked by the core, one key derivation per attempt, never by the
/// Keychain (that would bypass the attempt counter and the duress PIN).
public protocol DeviceSecret: Sendable {
    /// Whether key material exists already (a strengthener keeps using the kind it started with).
    var exists: Bool { get }
    /// The key material, made on first use; the same bytes for the life of the installation.
    func key() throws -> Data
    /// Destroys the key material; the next `key()` makes a fresh one.
    func destroy() throws
}

/// Key material that lives only in this process's memory, random, gone when the process ends:
/// for the calculator shown when the data directory cannot be opened (nothing is kept there).
public final class EphemeralDeviceSecret: DeviceSecret, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?

    public init() {}

    public var exists: Bool { lock.withLock { stored != nil } }

    public func key() throws -> Data {
        lock.withLock {
            if let stored { return stored }
            var generator = SystemRandomNumberGenerator()
            let fresh = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
            stored = fresh
            return fresh
        }
    }

    public func destroy() throws {
        lock.withLock { stored = nil }
    }
}

/// HMAC-SHA256(key, message). CryptoKit on Apple platforms.
public typealias MessageAuthenticator = @Sendable (_ key: Data, _ message: Data) -> Data

/// The core's `KeyStrengthener`: HMAC-SHA256 of the core's input under one of two device
/// secrets, chosen by what the input is for.
///
/// - Inputs that begin with the core's `deviceKeyInputPrefix()` derive the device store's key
///   (the sealed outbox, the locked notification plan, the installed content): the background
///   refresh needs it while the phone is locked, so it uses `lockedUseSecret`, readable after
///   the first unlock since boot.
/// - Every other input (the PIN-wrapping keys, the recovery kit) uses `unlockedOnlySecret`,
///   readable only while the phone is unlocked: a PIN can be checked only on an unlocked phone,
///   so a copy of the files taken from a locked phone cannot be guessed against even with the
///   device's help.
///
/// The choice is plain Swift (`secretFor(input:)`), tested on Linux with in-memory secrets.
public final class DeviceKeyStrengthener: KeyStrengthener, @unchecked Sendable {
    public enum Use: Equatable, Sendable {
        case lockedUse
        case unlockedOnly
    }

    private let lockedUseSecret: DeviceSecret
    private let unlockedOnlySecret: DeviceSecret
    private let devicePrefix: Data
    private let authenticate: MessageAuthenticator
    private let lock = NSLock()

    /// `devicePrefix` is the core's `deviceKeyInputPrefix()`; the parameter exists for the tests.
    public init(
        lockedUseSecret: DeviceSecret,
        unlockedOnlySecret: DeviceSecret,
        devicePrefix: Data = deviceKeyInputPrefix(),
        authenticate: @escaping MessageAuthenticator
    ) {
        self.lockedUseSecret = lockedUseSecret
        self.unlockedOnlySecret = unlockedOnlySecret
        self.devicePrefix = devicePrefix
        self.authenticate = authenticate
    }

    /// Which secret an input uses: the locked-use one only for inputs that begin with the device
    /// prefix (an empty prefix, which would match every input, matches none).
    public func secretFor(input: Data) -> Use {
        !devicePrefix.isEmpty && input.starts(with: devicePrefix) ? .lockedUse : .unlockedOnly
    }

    public func strengthen(input: Data) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        let secret = secretFor(input: input) == .lockedUse ? lockedUseSecret : unlockedOnlySecret
        let key: Data
        do {
            key = try secret.key()
        } catch {
            // The reason names the failing step only: never key bytes or the input.
            throw CorridorError.Platform(reason: "the device key is unavailable (\(type(of: error)))")
        }
        return authenticate(key, input)
    }

    /// Destroys both secrets (quick delete): every key derived through them is gone.
    public func forget() throws {
        lock.lock()
        defer { lock.unlock() }
        var failed: Error?
        for secret in [unlockedOnlySecret, lockedUseSecret] {
            do { try secret.destroy() } catch { failed = error }
        }
        if let failed {
            throw CorridorError.Platform(reason: "the device key could not be destroyed (\(type(of: failed)))")
        }
    }
}
