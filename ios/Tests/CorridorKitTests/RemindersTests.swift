import CorridorFFI
import CorridorKit
import Foundation
import XCTest

/// A host scheduler written in Swift that records every call, as the iOS one is called.
final class RecordingScheduler: NotificationScheduler, @unchecked Sendable {
    private let lock = NSLock()
    private let limit: UInt32
    private let canList: Bool
    private(set) var scheduled: [String: ScheduledNotification] = [:]
    private(set) var order: [String] = []
    private(set) var calls: [String] = []

    init(limit: UInt32 = NotificationRequestPlan.maximumPending, canList: Bool = true) {
        self.limit = limit
        self.canList = canList
    }

    func schedule(notification: ScheduledNotification) throws {
        lock.withLock {
            calls.append("schedule \(notification.id)")
            scheduled[notification.id] = notification
            order.append(notification.id)
        }
    }

    func cancel(id: String) throws {
        lock.withLock {
            calls.append("cancel \(id)")
            scheduled[id] = nil
            order.removeAll { $0 == id }
        }
    }

    func pending() throws -> [String]? {
        lock.withLock { canList ? order : nil }
    }

    func maxPending() -> UInt32 { limit }

    func clearCalls() {
        lock.withLock { calls.removeAll() }
    }
}

/// A local date and time `days` from today, as the core takes it ("2026-12-01 21:00").
func inDays(_ days: Int, _ time: String) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Africa/Maputo")!
    let day = calendar.date(byAdding: .day, value: days, to: Date())!
    let parts = calendar.dateComponents([.year, .month, .day], from: day)
    return String(format: "%04d-%02d-%02d %@", parts.year!, parts.month!, parts.day!, time)
}

func reminderRequest(_ kind: String, at: String, explicit: Bool = false, offsets: [String] = []) -> ReminderRequest {
    ReminderRequest(
        kind: kind, at: at, zone: "Africa/Maputo", every: nil, count: nil, until: nil, once: false,
        offsets: offsets, explicit: explicit, label: nil, covertText: nil
    )
}

final class RemindersTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("reminders")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testThePlanReachesASwiftSchedulerExactlyAndNothingExplicitReachesTheLockScreen() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        let reminders = Reminders(session: try await corridor.setUpPersonal(pin: PIN))
        let pill = try reminders.add(request: reminderRequest("daily_pill", at: inDays(1, "21:00"), offsets: ["at"]))
        _ = try reminders.add(request: reminderRequest("hiv_test", at: inDays(3, "09:00"), explicit: true))

        let plan = try reminders.plan(days: 35)
        XCTAssertGreaterThan(plan.count, 30, "a month of daily pills and a test")
        let scheduler = RecordingScheduler()
        let first = try reminders.reconcile(scheduler: scheduler)
        XCTAssertEqual(Int(first.scheduled), min(plan.count, 64))
        XCTAssertEqual(scheduler.calls, plan.prefix(64).map { "schedule \($0.id)" })
        XCTAssertLessThanOrEqual(scheduler.scheduled.count, 64, "never more than iOS's 64 pending")
        scheduler.clearCalls()
        let second = try reminders.reconcile(scheduler: scheduler)
        XCTAssertEqual(second.scheduled + second.cancelled, 0)
        XCTAssertTrue(scheduler.calls.isEmpty, "a second reconcile makes no call")

        // What iOS would be handed: the cover's wording only, never the explicit text.
        let now = Date()
        let revealing = try NSRegularExpression(pattern: "(?i)(hiv|prep|clinic|pill|test|health)")
        let explicit = scheduler.scheduled.values.filter { $0.privateBody != nil }
        XCTAssertFalse(explicit.isEmpty, "the HIV test has an explicit text for the unlocked phone")
        for notification in scheduler.scheduled.values {
            let request = NotificationRequestPlan(notification, now: now)
            XCTAssertEqual(request.identifier, notification.id)
            let shown = request.title + " " + request.body
            XCTAssertNil(revealing.firstMatch(in: shown, range: NSRange(shown.startIndex..., in: shown)), shown)
            XCTAssertGreaterThanOrEqual(request.delay, 1)
            XCTAssertEqual(request.delay, max(1, TimeInterval(notification.fireAtUnix) - now.timeIntervalSince1970), accuracy: 0.001)
        }

        try reminders.remove(id: pill.id)
        scheduler.clearCalls()
        _ = try reminders.reconcile(scheduler: scheduler)
        XCTAssertFalse(scheduler.calls.isEmpty)
        XCTAssertTrue(scheduler.calls.allSatisfy { $0.hasPrefix("cancel") }, "\(scheduler.calls)")

        let small = RecordingScheduler(limit: 1)
        _ = try reminders.reconcile(scheduler: small)
        XCTAssertEqual(small.scheduled.count, 1, "never more than the host's limit")
    }

    func testAfterARebootTheLockedPlanReachesTheSchedulerWithoutThePin() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        let session = try await corridor.setUpPersonal(pin: PIN)
        _ = try Reminders(session: session).add(request: reminderRequest("prep_refill", at: inDays(2, "09:00"), explicit: true))
        session.lock()
        let booted = RecordingScheduler(canList: false)
        XCTAssertEqual(try corridor.vault.reconcileLocked(scheduler: booted).scheduled, 2, "the day before and on the day")
        XCTAssertTrue(booted.scheduled.values.allSatisfy { $0.privateBody == nil }, "nothing explicit while locked")
    }

    func testQuickDeleteCancelsEveryScheduledNotification() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        let scheduler = RecordingScheduler()
        corridor.vault.setNotificationScheduler(scheduler: scheduler)
        let reminders = Reminders(session: try await corridor.setUpPersonal(pin: PIN))
        _ = try reminders.add(request: reminderRequest("hiv_test", at: inDays(3, "09:00")))
        _ = try reminders.reconcile(scheduler: scheduler)
        XCTAssertFalse(scheduler.scheduled.isEmpty)
        try corridor.vault.quickDelete()
        XCTAssertTrue(scheduler.scheduled.isEmpty, "a quick delete leaves no notification behind")
    }

    static let allTests = [
        ("testThePlanReachesASwiftSchedulerExactlyAndNothingExplicitReachesTheLockScreen",
         asyncTest(testThePlanReachesASwiftSchedulerExactlyAndNothingExplicitReachesTheLockScreen)),
        ("testAfterARebootTheLockedPlanReachesTheSchedulerWithoutThePin",
         asyncTest(testAfterARebootTheLockedPlanReachesTheSchedulerWithoutThePin)),
        ("testQuickDeleteCancelsEveryScheduledNotification", asyncTest(testQuickDeleteCancelsEveryScheduledNotification)),
    ]
}
