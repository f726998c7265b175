import CorridorAppModel
import CorridorFFI
import CorridorKit
import Foundation
import XCTest

final class CalculatorTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("calculator")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Taps the buttons whose labels spell `keys`, as a person would, then waits for any attempt.
    @MainActor func tap(_ calculator: CalculatorViewModel, _ keys: String) async {
        let buttons = calculator.rows.flatMap { $0 }
        for character in keys {
            let label = character == "C" ? "AC" : String(character)
            guard let button = buttons.first(where: { $0.label == label }) else {
                return XCTFail("no button \(label)")
            }
            calculator.press(button.key)
        }
        await calculator.settle()
    }

    @MainActor func testTheCalculatorViewModelUnlocksWithThePinAndNotWithAWrongOne() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        try await corridor.setUpPersonal(pin: PIN).settingSet(key: "marker", value: "real data")
        var opened: [ProfileSession] = []
        let calculator = try CalculatorViewModel(vault: corridor.vault, format: english) { opened.append($0) }
        XCTAssertEqual(calculator.display, "0")

        await tap(calculator, "2+3×4=")
        XCTAssertEqual(calculator.display, "14", "it is a working calculator")
        XCTAssertTrue(opened.isEmpty)

        await tap(calculator, "C111111=")
        XCTAssertEqual(calculator.display, "111,111", "a wrong PIN is just a number")
        XCTAssertTrue(opened.isEmpty, "a wrong PIN opens nothing")
        let counted = try await corridor.status()
        XCTAssertEqual(counted.failedAttempts, 1, "and is counted")

        await tap(calculator, "C482916=")
        XCTAssertEqual(calculator.display, "482,916", "the screen looks the same when the PIN opens the app")
        XCTAssertEqual(opened.count, 1)
        XCTAssertEqual(try opened.first?.settingGet(key: "marker"), "real data")
        calculator.press(.digit(value: 7))
        XCTAssertEqual(calculator.clearLabel, "C", "the clear key shows C while there is an entry")
        XCTAssertEqual(calculator.label(of: calculator.rows[0][0]), "C")
        calculator.press(.clear)
        XCTAssertEqual(calculator.clearLabel, "AC")
    }

    @MainActor func testTheAppShowsOnlyTheCalculatorBeforeThePinAndLocksWhenItLeaves() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        let scheduler = RecordingScheduler()
        let app = AppModel(
            corridor: corridor, configuration: try TestEnvironment.configuration, scheduler: scheduler,
            numberFormat: english, language: "en"
        )
        await app.start()
        guard case .setUp(let setUp) = app.screen else { return XCTFail("a new phone starts with set-up") }
        setUp.pin = PIN
        setUp.confirmation = "482917"
        await setUp.setUp()
        XCTAssertEqual(setUp.message, Message("setup.pinsDiffer"))
        setUp.confirmation = PIN
        await setUp.setUp()
        guard case .personal(let shell) = app.screen else { return XCTFail("set-up opens the app") }
        await shell.home.load()
        XCTAssertNotNil(shell.home.clientCode)
        XCTAssertTrue((0..<Int(shell.home.qr?.width ?? 0)).contains { shell.home.isDark(row: 0, column: $0) })

        app.sceneBecameInactive()
        XCTAssertTrue(app.obscured, "the app switcher's snapshot shows the cover")
        app.sceneEnteredBackground()
        XCTAssertTrue(shell.session.isLocked(), "leaving the app locks the profile")
        guard case .disguise(let calculator) = app.screen else { return XCTFail("back to the calculator") }
        app.sceneBecameActive()
        XCTAssertFalse(app.obscured)
        app.screenCaptureChanged(true)
        XCTAssertTrue(app.obscured, "a recorded or mirrored screen shows the cover")
        app.sceneBecameInactive()
        app.sceneBecameActive()
        XCTAssertTrue(app.obscured, "still recorded: still covered")
        app.screenCaptureChanged(false)
        XCTAssertFalse(app.obscured)

        // A later launch: the calculator first, and the locked plan reconciled without the PIN.
        let relaunched = AppModel(
            corridor: corridor, configuration: try TestEnvironment.configuration, scheduler: scheduler,
            numberFormat: english, language: "en"
        )
        await relaunched.start()
        guard case .disguise = relaunched.screen else { return XCTFail("a set-up phone starts as a calculator") }

        await tap(calculator, "C482916=")
        guard case .personal(let reopened) = app.screen else { return XCTFail("the PIN opens the app") }
        XCTAssertFalse(reopened.session.isLocked())
        app.quickExit()
        XCTAssertTrue(reopened.session.isLocked())

        // The core's auto-lock strikes behind the app's back: the next check shows the calculator.
        guard case .disguise(let third) = app.screen else { return XCTFail("the calculator") }
        await tap(third, "C482916=")
        guard case .personal(let idle) = app.screen else { return XCTFail("the PIN opens the app") }
        app.userDidInteract()
        app.refreshLockState()
        guard case .personal = app.screen else { return XCTFail("an open profile stays open") }
        idle.session.lock()
        app.refreshLockState()
        guard case .disguise = app.screen else { return XCTFail("a locked profile returns to the calculator") }
    }

    @MainActor func testADamagedKeyFileShowsTheCalculatorNeverTheSetUpScreen() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        _ = try await corridor.setUpPersonal(pin: PIN)
        try Data(repeating: 0x5A, count: 64).write(to: directory.appendingPathComponent("keyslots"))
        do {
            _ = try await corridor.status()
            XCTFail("a damaged key file is an error")
        } catch CorridorError.KeyFileDamaged {
        }
        let app = AppModel(corridor: corridor, configuration: AppConfiguration(hubURL: nil), scheduler: nil,
                           numberFormat: english, language: "en")
        await app.start()
        guard case .disguise(let calculator) = app.screen else { return XCTFail("the calculator, not set-up: \(app.screen)") }
        await tap(calculator, "6×7=")
        XCTAssertEqual(calculator.display, "42")
    }

    @MainActor func testAReminderAddedOnHomeReachesTheSchedulerInTheCoversWords() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        _ = try await corridor.setUpPersonal(pin: PIN)
        let scheduler = RecordingScheduler()
        let app = AppModel(corridor: corridor, configuration: AppConfiguration(hubURL: nil), scheduler: scheduler,
                           numberFormat: english, language: "en")
        await app.start()
        guard case .disguise(let calculator) = app.screen else { return XCTFail("the calculator") }
        await tap(calculator, "482916=")
        guard case .personal(let shell) = app.screen else { return XCTFail("the PIN opens the app") }
        let maputo = try XCTUnwrap(TimeZone(identifier: "Africa/Maputo"))
        let inThreeDays = Date().addingTimeInterval(3 * 24 * 3600)
        await shell.home.addReminder(kind: "hiv_test", at: inThreeDays, timeZone: maputo)
        XCTAssertNil(shell.home.message)
        XCTAssertEqual(shell.home.reminders.map(\.kind), ["hiv_test"])
        XCTAssertEqual(HomeViewModel.titleKey(for: try XCTUnwrap(shell.home.reminders.first)), "reminder.kind.hiv_test")
        XCTAssertFalse(scheduler.scheduled.isEmpty, "adding a reminder schedules its notifications at once")
        XCTAssertTrue(scheduler.scheduled.values.allSatisfy { $0.privateBody == nil }, "nothing explicit is asked for")
        let due = scheduler.scheduled.values.map(\.fireAtUnix).max() ?? 0
        XCTAssertEqual(Double(due), inThreeDays.timeIntervalSince1970, accuracy: 60, "at the minute picked")
        XCTAssertFalse(shell.home.upcoming.isEmpty)

        await shell.home.addReminder(kind: "vitamins", at: inThreeDays, timeZone: maputo)
        XCTAssertEqual(shell.home.message, Message("error.invalidInput", ["kind"]))
        await shell.home.remove(try XCTUnwrap(shell.home.reminders.first?.id))
        XCTAssertTrue(scheduler.scheduled.isEmpty, "removing it cancels its notifications")
    }

    /// When the data directory cannot be opened the app still shows a calculator that calculates,
    /// and a PIN typed into it opens nothing.
    @MainActor func testWithoutItsDataTheCalculatorStillCalculates() async throws {
        let calculator = try CalculatorViewModel.calculatorOnly(format: english, authenticate: hmacSHA256)
        await tap(calculator, "6×7=")
        XCTAssertEqual(calculator.display, "42")
        await tap(calculator, "C482916=")
        XCTAssertEqual(calculator.display, "482,916", "a PIN is only a number here")
    }

    static let allTests = [
        ("testWithoutItsDataTheCalculatorStillCalculates", asyncTest(testWithoutItsDataTheCalculatorStillCalculates)),
        ("testTheCalculatorViewModelUnlocksWithThePinAndNotWithAWrongOne", asyncTest(testTheCalculatorViewModelUnlocksWithThePinAndNotWithAWrongOne)),
        ("testTheAppShowsOnlyTheCalculatorBeforeThePinAndLocksWhenItLeaves",
         asyncTest(testTheAppShowsOnlyTheCalculatorBeforeThePinAndLocksWhenItLeaves)),
        ("testADamagedKeyFileShowsTheCalculatorNeverTheSetUpScreen", asyncTest(testADamagedKeyFileShowsTheCalculatorNeverTheSetUpScreen)),
        ("testAReminderAddedOnHomeReachesTheSchedulerInTheCoversWords",
         asyncTest(testAReminderAddedOnHomeReachesTheSchedulerInTheCoversWords)),
    ]
}
