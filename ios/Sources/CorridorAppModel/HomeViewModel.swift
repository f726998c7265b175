import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// Home: the client code card (code and QR as the core draws them) and the reminders.
@MainActor @Observable
public final class HomeViewModel {
    public private(set) var clientCode: String?
    public private(set) var qr: QrSymbol?
    public private(set) var reminders: [ReminderInfo] = []
    /// The notifications of the coming week, as the core plans them.
    public private(set) var upcoming: [ScheduledNotification] = []
    public private(set) var message: Message?

    /// The reminder kinds the core knows (`Kind::name`), each with a localised title.
    public nonisolated static let reminderKinds = [
        "prep_refill", "hiv_test", "sti_screening", "contraceptive_injection", "art_refill", "pep_course",
        "clinic_visit", "counselling", "daily_pill", "custom",
    ]

    /// The Localizable.strings key of a reminder's title when the person gave it no label.
    public nonisolated static func titleKey(for reminder: ReminderInfo) -> String {
        titleKey(forKind: reminder.kind)
    }

    public nonisolated static func titleKey(forKind kind: String) -> String {
        "reminder.kind." + (reminderKinds.contains(kind) ? kind : "custom")
    }

    private let session: ProfileSession
    private let book: Reminders
    private let scheduler: NotificationScheduler?

    init(session: ProfileSession, scheduler: NotificationScheduler?) {
        self.session = session
        self.scheduler = scheduler
        book = Reminders(session: session)
    }

    public func load() async {
        let session = self.session, book = self.book
        do {
            let loaded = try await offMainThread {
                (try session.clientCode(), try session.clientCodeQr(), try book.list(), try book.plan(days: 7))
            }
            (clientCode, qr, reminders, upcoming) = loaded
            message = nil
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    /// QR module at (row, column), for the view's Canvas; true is dark.
    public func isDark(row: Int, column: Int) -> Bool {
        guard let qr, row >= 0, column >= 0, row < Int(qr.width), column < Int(qr.width) else { return false }
        return qr.modules[row * Int(qr.width) + column]
    }

    public func add(_ request: ReminderRequest) async {
        await change { book in _ = try book.add(request: request) }
    }

    /// A reminder from the form: a kind (`reminderKinds`), a moment picked on the phone, in the
    /// phone's time zone. Never `explicit`: iOS is never handed a notification's explicit text
    /// (see `NotificationRequestPlan`), so the form does not offer what iOS would not show.
    public func addReminder(kind: String, at moment: Date, timeZone: TimeZone, label: String? = nil) async {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: moment)
        let at = String(
            format: "%04d-%02d-%02d %02d:%02d",
            parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0
        )
        let trimmed = label?.trimmingCharacters(in: .whitespaces)
        await add(ReminderRequest(
            kind: kind, at: at, zone: timeZone.identifier, every: nil, count: nil, until: nil, once: false,
            offsets: [], explicit: false, label: trimmed?.isEmpty == false ? trimmed : nil, covertText: nil
        ))
    }

    public func markDone(_ id: String) async {
        await change { book in try book.markDone(id: id) }
    }

    public func markMissed(_ id: String) async {
        await change { book in _ = try book.markMissed(id: id) }
    }

    public func snooze(_ id: String, minutes: UInt32) async {
        await change { book in _ = try book.snooze(id: id, minutes: minutes) }
    }

    public func remove(_ id: String) async {
        await change { book in try book.remove(id: id) }
    }

    /// Applies a change, brings the phone's scheduled notifications in line with the plan, and
    /// reloads.
    private func change(_ work: @escaping @Sendable (Reminders) throws -> Void) async {
        let book = self.book, scheduler = self.scheduler
        do {
            try await offMainThread {
                try work(book)
                if let scheduler { _ = try book.reconcile(scheduler: scheduler) }
            }
            await load()
        } catch {
            message = MessageKeys.forError(error)
        }
    }
}
