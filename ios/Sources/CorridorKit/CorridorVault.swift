// The thin idiomatic Swift layer over the generated bindings (module CorridorFFI).
// Everything here is shell plumbing: no logic that the core should own.
import CorridorFFI
import Foundation

/// What one PIN attempt led to, for a shell to draw without catching errors itself.
public enum UnlockOutcome: Sendable {
    case unlocked(ProfileSession)
    /// The PIN opened nothing.
    case wrongPin(attemptsLeft: Int, retryAfter: TimeInterval)
    /// Too many wrong PINs: no PIN is checked until `retryAfter` has passed.
    case mustWait(retryAfter: TimeInterval)
}

/// Runs a short, blocking core call (storage) off the caller's thread, so that the main
/// thread never waits on SQLite. Async core calls (unlock, network) need no such help.
public func offMainThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await Task.detached(priority: .userInitiated) { try work() }.value
}

/// A data directory opened for a shell.
public final class CorridorVault: @unchecked Sendable {
    public let vault: Vault
    public let dataDirectory: URL

    private init(vault: Vault, dataDirectory: URL) {
        self.vault = vault
        self.dataDirectory = dataDirectory
    }

    /// Opens (never creates) the data directory at `dataDirectory`.
    public static func open(at dataDirectory: URL, strengthener: KeyStrengthener) throws -> CorridorVault {
        let vault = try Vault.open(dataDir: dataDirectory.path, strengthener: strengthener)
        return CorridorVault(vault: vault, dataDirectory: dataDirectory)
    }

    /// Sets the data protection class of every file (docs/ios.md). Call after set-up and after
    /// adding a profile: the core makes `profiles/` then, and it must not keep its parent's class.
    /// Data protection exists only on iOS; elsewhere this does nothing.
    public func applyDataProtection() throws {
        #if os(iOS)
        try DataProtectionPolicy.apply(to: dataDirectory)
        #endif
    }

    public func status() async throws -> VaultStatus {
        let vault = self.vault
        return try await offMainThread { try vault.status() }
    }

    public func setUpPersonal(pin: String, existingCode: String? = nil) async throws -> ProfileSession {
        try await vault.setupPersonal(pin: pin, existingCode: existingCode)
    }

    /// One counted attempt; on a shared tablet `profileId` is the educator's chosen profile.
    public func unlock(pin: String, profileId: String? = nil) async throws -> UnlockOutcome {
        do {
            return .unlocked(try await vault.unlock(pin: pin, profileId: profileId))
        } catch let CorridorError.WrongPin(attemptsLeft, retryAfterSecs) {
            return .wrongPin(attemptsLeft: Int(attemptsLeft), retryAfter: TimeInterval(retryAfterSecs))
        } catch let CorridorError.TooManyAttempts(retryAfterSecs) {
            return .mustWait(retryAfter: TimeInterval(retryAfterSecs))
        }
    }
}
