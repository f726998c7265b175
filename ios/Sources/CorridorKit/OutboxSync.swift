import CorridorFFI
import Foundation

/// What one background send of the outbox did, and when to ask iOS to run it again.
public struct OutboxSyncResult: Equatable, Sendable {
    public let summary: SyncSummary
    /// Seconds until the next background run should be requested; nil when nothing waits.
    public let nextRunIn: TimeInterval?
}

/// Sends the sealed outbox (reports, session uploads) to the hub. Works while the profile is
/// locked: it needs only the device store, which opens without the PIN. The iOS background
/// refresh (`OutboxBackgroundRefresh`) and the app's foreground both call it.
public struct OutboxSync: Sendable {
    /// iOS runs app refresh tasks at most about every 15 minutes whatever is asked.
    public static let minimumInterval: TimeInterval = 15 * 60

    let vault: Vault
    let hub: Hub

    public init(vault: Vault, hub: Hub) {
        self.vault = vault
        self.hub = hub
    }

    public func run(listener: SyncListener? = nil) async throws -> OutboxSyncResult {
        let summary = try await vault.sendOutbox(hub: hub, listener: listener)
        let nextRunIn: TimeInterval?
        if summary.waiting == 0 {
            nextRunIn = nil
        } else {
            nextRunIn = max(Self.minimumInterval, TimeInterval(summary.nextAttemptInSecs ?? 0))
        }
        return OutboxSyncResult(summary: summary, nextRunIn: nextRunIn)
    }
}

#if canImport(BackgroundTasks) && os(iOS)
import BackgroundTasks

/// Background refresh that drains the sealed outbox while the app is not in use (and while the
/// phone is locked, after the first unlock since boot: the device store and the Keychain item
/// behind its key are in class C, see docs/ios.md).
public enum OutboxBackgroundRefresh {
    /// Listed under BGTaskSchedulerPermittedIdentifiers in Info.plist.
    public static let identifier = "net.simplecalc.app.refresh"

    /// Registers the handler; call once, before the app finishes launching.
    public static func register(makeSync: @escaping @Sendable () -> OutboxSync?) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            guard let sync = makeSync() else {
                // The vault could not be opened now (before the first unlock since boot, or no
                // hub configured yet): try again later rather than never.
                schedule(after: OutboxSync.minimumInterval)
                task.setTaskCompleted(success: false)
                return
            }
            let work = Task {
                do {
                    let result = try await sync.run()
                    if let next = result.nextRunIn { schedule(after: next) }
                    task.setTaskCompleted(success: true)
                } catch {
                    schedule(after: OutboxSync.minimumInterval)
                    task.setTaskCompleted(success: false)
                }
            }
            // Cancelling the Swift task cancels the core's send; what was not confirmed stays
            // in the outbox and is sent exactly once later.
            task.expirationHandler = { work.cancel() }
        }
    }

    /// Asks iOS to run the refresh no earlier than `after` seconds from now.
    public static func schedule(after: TimeInterval = OutboxSync.minimumInterval) {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: after)
        try? BGTaskScheduler.shared.submit(request)
    }
}
#endif
