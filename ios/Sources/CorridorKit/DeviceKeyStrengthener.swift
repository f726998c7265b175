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

/// HMAC-SHA256(key, message). CryptoKit on Apple platforms.
public typealias MessageAuthenticator = @Sendable (_ key: Data, _ message: Data) -> Data

/// The core's `KeyStrengthener`: HMAC-SHA256 of the core's input under the device secret. The
/// core derives both the PIN-wrapping keys and the device-store key through it, so the device
/// store (which must open while the profile is locked) is bound to the same Keychain or Secure
/// Enclave key and no other key needs to be stored.
public final class DeviceKeyStrengthener: KeyStrengthener, @unchecked Sendable {
    private let secret: DeviceSecret
    private let authenticate: MessageAuthenticator
    private let lock = NSLock()

    public init(secret: DeviceSecret, authenticate: @escaping MessageAuthenticator) {
        self.secret = secret
        self.authenticate = authenticate
    }

    public func strengthen(input: Data) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        let key: Data
        do {
            key = try secret.key()
        } catch {
            // The reason names the failing step only: never key bytes or the input.
            throw CorridorError.Platform(reason: "the device key is unavailable (\(type(of: error)))")
        }
        return authenticate(key, input)
    }

    public func forget() throws {
        lock.lock()
        defer { lock.unlock() }
        do {
            try secret.destroy()
        } catch {
            throw CorridorError.Platform(reason: "the device key could not be destroyed (\(type(of: error)))")
        }
    }
}
