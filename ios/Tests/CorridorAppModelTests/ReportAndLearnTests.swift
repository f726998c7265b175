import CorridorAppModel
import CorridorFFI
import CorridorKit
import Foundation
import XCTest

/// The learn and report screens' view models against the real hub of scripts/test-ios.sh.
final class ReportAndLearnTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("report")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    @MainActor func openApp() async throws -> (CorridorVault, AppModel, PersonalShell) {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        _ = try await corridor.setUpPersonal(pin: PIN)
        XCTAssertNil(try corridor.vault.installedContentVersion())
        let app = AppModel(
            corridor: corridor, configuration: try TestEnvironment.configuration, scheduler: nil,
            numberFormat: english, language: "en"
        )
        await app.start()
        guard case .disguise(let calculator) = app.screen else { throw Unexpected(what: "no calculator") }
        for key in "482916=" { calculator.press(character: String(key)) }
        await calculator.settle()
        guard case .personal(let shell) = app.screen else { throw Unexpected(what: "the PIN did not open the app") }
        return (corridor, app, shell)
    }

    struct Unexpected: Error {
        let what: String
    }

    @MainActor func testTheLearnScreenUpdatesContentFromTheHubAndAnswersAQuiz() async throws {
        let (_, _, shell) = try await openApp()
        let learn = shell.learn
        await learn.load()
        XCTAssertTrue(learn.modules.isEmpty, "nothing installed yet")
        await learn.checkForUpdate()
        guard case .offered(let plan) = learn.update else { return XCTFail("an update is offered: \(learn.update)") }
        XCTAssertEqual(plan.modulesAdded, 20)
        await learn.installUpdate()
        guard case .installed(let outcome) = learn.update else { return XCTFail("installed: \(learn.update)") }
        XCTAssertEqual(outcome.modulesInstalled, 20)
        XCTAssertEqual(learn.modules.count, 10, "the English modules are listed")

        await learn.open("pep")
        let quiz = try XCTUnwrap(learn.openModule?.blocks.compactMap { block -> QuizInfo? in
            if case .quiz(let quiz) = block { return quiz } else { return nil }
        }.first)
        let right = UInt32(try XCTUnwrap(quiz.choices.firstIndex { $0.correct }))
        await learn.answer(quiz: quiz, chosen: [right == 0 ? 1 : 0])
        XCTAssertEqual(learn.quizResults[quiz.id]?.correct, false)
        await learn.answer(quiz: quiz, chosen: [right])
        XCTAssertEqual(learn.quizResults[quiz.id]?.correct, true)
        await learn.search("condom")
        XCTAssertFalse(learn.searchHits.isEmpty)
        await learn.checkForUpdate()
        XCTAssertEqual(learn.update, .upToDate)
    }

    @MainActor func testAQuickReportShowsPepUrgencyFirstIsQueuedAndIsSentFromTheOutbox() async throws {
        let (corridor, _, shell) = try await openApp()
        let report = shell.report
        // Before the programme's keys are on the phone nothing can be sealed: say so.
        report.choose(.sexual)
        report.choose(.today)
        await report.choose(.urgentMedicalHelp)
        XCTAssertEqual(report.step, .failed(Message("report.noTeamKeys")))

        await shell.learn.checkForUpdate()
        await shell.learn.installUpdate()
        await report.load()
        XCTAssertTrue(report.sites.contains { $0.id == "beitbridge" })

        report.startAgain()
        report.nearSite = "beitbridge"
        report.choose(.sexual)
        XCTAssertEqual(report.step, .when)
        report.choose(.today)
        XCTAssertEqual(report.step, .wants)
        await report.choose(.urgentMedicalHelp)
        guard case .urgency(let submitted) = report.step else { return XCTFail("PEP urgency comes first: \(report.step)") }
        XCTAssertTrue(submitted.urgency.pepUrgent)
        XCTAssertEqual(submitted.urgency.clinics.first?.site.id, "beitbridge")
        report.acknowledgeUrgency()
        XCTAssertEqual(report.step, .filed(submitted))

        // The view model sent it at once (the configuration names the test hub).
        XCTAssertEqual(report.lastSync?.summary.sent, 1)
        XCTAssertNil(report.lastSync?.nextRunIn, "nothing waits, no background run is needed")
        XCTAssertEqual(report.reports.first { $0.reportId == submitted.reportId }?.state, .sent)

        // A second one, queued while the hub is unreachable, then drained as the background
        // refresh does, while the profile is locked.
        let unreachable = try Hub(settings: HubSettings(url: "http://127.0.0.1:9", pinnedKeySha256: [], extraRootCertificates: []))
        let second = try shell.session.fileQuickReport(what: .physical, when: .earlier, wants: .justRecordIt, nearSite: nil)
        XCTAssertFalse(second.urgency.pepUrgent)
        XCTAssertEqual(try shell.session.reports().first { $0.reportId == second.reportId }?.state, .queued)
        let failed = try await OutboxSync(vault: corridor.vault, hub: unreachable).run()
        XCTAssertEqual(failed.summary.sent, 0)
        XCTAssertEqual(failed.summary.waiting, 1)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(failed.nextRunIn), OutboxSync.minimumInterval)
        XCTAssertEqual(try corridor.vault.outboxItems().count, 1)
        XCTAssertTrue(try corridor.vault.outboxItems().allSatisfy { $0.kind == "report" })

        corridor.vault.quickExit()
        XCTAssertTrue(shell.session.isLocked())
        // The outbox waits out its backoff first; the background task runs again later.
        let hub = try XCTUnwrap(try TestEnvironment.configuration.hub())
        var drained = try await OutboxSync(vault: corridor.vault, hub: hub).run()
        for _ in 0..<40 where drained.summary.waiting > 0 {
            try await Task.sleep(nanoseconds: 500_000_000)
            drained = try await OutboxSync(vault: corridor.vault, hub: hub).run()
        }
        XCTAssertEqual(drained.summary.waiting, 0, "the locked phone's outbox drains")
        XCTAssertTrue(try corridor.vault.outboxItems().isEmpty)
    }

    static let allTests = [
        ("testTheLearnScreenUpdatesContentFromTheHubAndAnswersAQuiz", asyncTest(testTheLearnScreenUpdatesContentFromTheHubAndAnswersAQuiz)),
        ("testAQuickReportShowsPepUrgencyFirstIsQueuedAndIsSentFromTheOutbox",
         asyncTest(testAQuickReportShowsPepUrgencyFirstIsQueuedAndIsSentFromTheOutbox)),
    ]
}
