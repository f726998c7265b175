import CorridorFFI
import Foundation

/// What the iOS scheduler hands to UNUserNotificationCenter for one planned notification.
///
/// Only the lock-screen-safe `title` and `body` (the cover's wording, chosen by the core) are
/// ever given to the system: iOS cannot promise that a text is shown only while the phone is
/// unlocked (the person may set previews to "Always"), and the notification store is readable
/// in a forensic copy. The explicit text (`privateTitle`/`privateBody`) is therefore never put
/// into a notification or its userInfo; the app shows it after the PIN, from the core.
public struct NotificationRequestPlan: Equatable, Sendable {
    /// The category registered with hidden previews (`NotificationCategory`).
    public static let categoryIdentifier = "net.simplecalc.app.alert"
    /// iOS keeps at most 64 pending local notifications per app; the core's plan respects it.
    public static let maximumPending: UInt32 = 64

    public let identifier: String
    public let title: String
    public let body: String
    /// Seconds from now; at least 1 (a notification due already fires at once).
    public let delay: TimeInterval

    public init(_ notification: ScheduledNotification, now: Date) {
        identifier = notification.id
        title = notification.title
        body = notification.body
        delay = max(1, TimeInterval(notification.fireAtUnix) - now.timeIntervalSince1970)
    }
}

#if canImport(UserNotifications)
import UserNotifications

/// The core's `NotificationScheduler` on iOS. The core calls it synchronously (from `reconcile`,
/// which the shell runs off the main thread), so each call waits for the notification centre.
public final class UserNotificationScheduler: NotificationScheduler, @unchecked Sendable {
    private let center: UNUserNotificationCenter

    public init(center: UNUserNotificationCenter = .current()) {
        self.center = center
    }

    /// Registers the reminder category with previews hidden on the lock screen: the title and
    /// body appear only once the phone is unlocked, and then only the cover's wording.
    public static func registerCategory(center: UNUserNotificationCenter = .current(), placeholder: String) {
        let category = UNNotificationCategory(
            identifier: NotificationRequestPlan.categoryIdentifier,
            actions: [],
            intentIdentifiers: [],
            hiddenPreviewsBodyPlaceholder: placeholder,
            options: []
        )
        center.setNotificationCategories([category])
    }

    public func schedule(notification: ScheduledNotification) throws {
        let plan = NotificationRequestPlan(notification, now: Date())
        let content = UNMutableNotificationContent()
        content.title = plan.title
        content.body = plan.body
        content.categoryIdentifier = NotificationRequestPlan.categoryIdentifier
        content.sound = .default
        let trigger = UNTimeIntervalNotificationTrigger(timeInterval: plan.delay, repeats: false)
        let request = UNNotificationRequest(identifier: plan.identifier, content: content, trigger: trigger)
        let done = DispatchSemaphore(value: 0)
        var failure: Error?
        center.add(request) { error in
            failure = error
            done.signal()
        }
        done.wait()
        if failure != nil {
            throw CorridorError.Platform(reason: "the notification could not be scheduled")
        }
    }

    public func cancel(id: String) throws {
        center.removePendingNotificationRequests(withIdentifiers: [id])
        center.removeDeliveredNotifications(withIdentifiers: [id])
    }

    public func pending() throws -> [String]? {
        let done = DispatchSemaphore(value: 0)
        var identifiers: [String] = []
        center.getPendingNotificationRequests { requests in
            identifiers = requests.map(\.identifier)
            done.signal()
        }
        done.wait()
        return identifiers
    }

    public func maxPending() -> UInt32 {
        NotificationRequestPlan.maximumPending
    }
}
#endif
