import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// Settings: PIN and duress PIN, the cover, the optional home-screen icon, auto-lock, the wipe
/// after failed attempts, the recovery kit, quick delete.
@MainActor @Observable
public final class SettingsViewModel {
    /// The profile setting that records the person's choice of an alternate icon.
    public nonisolated static let coverIconSetting = "ios.cover_icon"

    public private(set) var covers: [CoverInfo] = CorridorFFI.covers()
    public private(set) var currentCover: CoverInfo?
    /// Off unless the person turns it on: iOS shows an alert when an app changes its icon, and
    /// the installed name stays "Calculator" whatever the cover (iOS cannot rename an app).
    public private(set) var usesCoverIcon = false
    public private(set) var hasDuressPin = false
    public private(set) var autoLockSeconds: UInt32 = 0
    public private(set) var wipeAfterFailures: UInt32?
    public private(set) var hasRecoveryKit = false
    /// Shown once, right after it is made; cleared when confirmed or when the screen closes.
    public private(set) var recoverySecretToShow: String?
    public private(set) var message: Message?

    private let vault: Vault
    private let session: ProfileSession
    private let onErased: @MainActor () -> Void
    private let eraseTraces: @MainActor () async -> Void
    private let protectionIncomplete: @MainActor () -> Bool

    init(
        vault: Vault,
        session: ProfileSession,
        onErased: @escaping @MainActor () -> Void,
        eraseTraces: @escaping @MainActor () async -> Void = {},
        dataProtectionIncomplete: @escaping @MainActor () -> Bool = { false }
    ) {
        self.vault = vault
        self.session = session
        self.onErased = onErased
        self.eraseTraces = eraseTraces
        protectionIncomplete = dataProtectionIncomplete
    }

    /// Some file's data protection class could not be set yet (retried when the app becomes
    /// active); Settings says so, after the PIN only.
    public var dataProtectionIncomplete: Bool { protectionIncomplete() }

    public func load() async {
        let vault = self.vault, session = self.session
        do {
            let loaded = try await offMainThread {
                (
                    try vault.cover(), try session.settingGet(key: SettingsViewModel.coverIconSetting) == "on",
                    try session.hasDuressPin(), try session.autoLockSecs(), try session.wipeAfterFailures(),
                    try session.hasRecoveryKit()
                )
            }
            (currentCover, usesCoverIcon, hasDuressPin, autoLockSeconds, wipeAfterFailures, hasRecoveryKit) = loaded
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    /// The alternate icon iOS should show (`UIApplication.setAlternateIconName`), nil for the
    /// calculator icon the app is installed with.
    public var alternateIconName: String? {
        guard usesCoverIcon, let currentCover, currentCover.id != "calculator" else { return nil }
        return currentCover.iconName
    }

    public func chooseCover(_ id: String) async {
        await apply { session in try session.chooseCover(coverId: id) }
    }

    public func setUsesCoverIcon(_ on: Bool) async {
        await apply { session in
            if on {
                try session.settingSet(key: SettingsViewModel.coverIconSetting, value: "on")
            } else {
                _ = try session.settingDelete(key: SettingsViewModel.coverIconSetting)
            }
        }
    }

    public func setAutoLock(seconds: UInt32) async {
        await apply { session in try session.setAutoLockSecs(seconds: seconds) }
    }

    public func setWipeAfterFailures(_ limit: UInt32?) async {
        await apply { session in try session.setWipeAfterFailures(limit: limit) }
    }

    public func changePin(current: String, new: String, confirmation: String) async {
        guard new == confirmation else {
            message = Message("setup.pinsDiffer")
            return
        }
        await pinChange(success: Message("settings.pinChanged")) { session in
            try await session.changePin(currentPin: current, newPin: new)
        }
    }

    public func setDuressPin(current: String, duress: String, eraseOnDuress: Bool) async {
        await pinChange(success: Message("settings.duressSet")) { session in
            try await session.setDuressPin(currentPin: current, duressPin: duress, eraseOnDuress: eraseOnDuress)
        }
    }

    public func clearDuressPin(current: String) async {
        await pinChange(success: Message("settings.duressCleared")) { session in
            try await session.clearDuressPin(currentPin: current)
        }
    }

    public func createRecoveryKit() async {
        do {
            recoverySecretToShow = try await session.createRecoveryKit()
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    public func confirmRecoveryKit(typed: String) async {
        do {
            try await session.confirmRecoveryKit(recoverySecret: typed)
            recoverySecretToShow = nil
            message = Message("settings.recoveryConfirmed")
            await load()
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    public func forgetRecoverySecret() {
        recoverySecretToShow = nil
    }

    /// What a quick delete would lose (closed educator sessions not yet uploaded), to warn first.
    public func quickDeleteWarning() async -> Message? {
        let vault = self.vault
        let pending = (try? await offMainThread { try vault.pendingSessionUploads() }) ?? 0
        return pending > 0 ? Message("settings.pendingUploads", [String(pending)]) : nil
    }

    /// Crypto-erases everything on the device (no PIN asked: it must be quick) and shows the
    /// calculator, which is then only a calculator. The notifications and the alternate icon go
    /// first, whatever the core then does.
    public func quickDelete() async {
        let vault = self.vault
        await eraseTraces()
        do {
            try await offMainThread { try vault.quickDelete() }
            onErased()
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    private func apply(_ change: @escaping @Sendable (ProfileSession) throws -> Void) async {
        let session = self.session
        do {
            try await offMainThread { try change(session) }
            message = nil
            await load()
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    private func pinChange(success: Message, _ change: (ProfileSession) async throws -> Void) async {
        do {
            try await change(session)
            message = success
            await load()
        } catch CorridorError.WrongPin {
            message = Message("settings.wrongPin")
        } catch CorridorError.TooManyAttempts {
            message = Message("settings.wrongPin")
        } catch CorridorError.InvalidInput {
            message = Message("setup.pinInvalid")
        } catch {
            message = MessageKeys.forError(error)
        }
    }
}
