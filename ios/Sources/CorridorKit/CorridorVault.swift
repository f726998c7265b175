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
    private let protection: ProtectionAttributes?

    private init(vault: Vault, dataDirectory: URL, protection: ProtectionAttributes?) {
        self.vault = vault
        self.dataDirectory = dataDirectory
        self.protection = protection
    }

    /// The platform's data protection: the file system's classes on iOS, none elsewhere.
    public static var platformProtection: ProtectionAttributes? {
        #if os(iOS)
        return FileProtection()
        #else
        return nil
        #endif
    }

    /// Opens the data directory at `dataDirectory` (the core makes its files on set-up). The
    /// data protection classes are set first, best effort: a file whose class cannot be set now
    /// (the phone is locked) never stops the opening; `applyDataProtection` tries again.
    public static func open(
        at dataDirectory: URL,
        strengthener: KeyStrengthener,
        protection: ProtectionAttributes? = CorridorVault.platformProtection
    ) throws -> CorridorVault {
        if let protection {
            DataProtectionPolicy.apply(to: dataDirectory, using: protection)
        }
        let vault = try Vault.open(dataDir: dataDirectory.path, strengthener: strengthener)
        return CorridorVault(vault: vault, dataDirectory: dataDirectory, protection: protection)
    }

    /// Sets the data protection class of every file (docs/ios.md), best effort. Call after set-up
    /// and after adding a profile (the core makes `profiles/` then, and it must not keep its
    /// parent's class) and again while anything failed. Returns the relative paths whose class
    /// could not be set (none where the platform has no data protection).
    @discardableResult
    public func applyDataProtection() -> [String] {
        guard let protection else { return [] }
        return DataProtectionPolicy.apply(to: dataDirectory, using: protection)
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
