import CorridorFFI
import CorridorKit
import Foundation
import XCTest

/// The core's ContentProgressListener implemented in Swift.
final class RecordingProgress: ContentProgressListener, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var seen: [(done: UInt64, total: UInt64)] = []

    func progress(doneBytes: UInt64, totalBytes: UInt64) {
        lock.withLock { seen.append((doneBytes, totalBytes)) }
    }
}

/// A content update from the real hub that scripts/test-ios.sh started on loopback, serving the
/// starter content it published with the corridor CLI and fresh editor keys.
final class ContentTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("content")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testAPhoneUpdatesFromTheHubThenReadsSearchesAndAnswersAQuiz() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        let session = try await corridor.setUpPersonal(pin: PIN)
        XCTAssertEqual(try corridor.vault.trustContentRoot(root: try TestEnvironment.shippedRoot), 1)
        XCTAssertThrowsError(try corridor.vault.trustContentRoot(root: Data("{}".utf8))) { error in
            guard case .ContentRejected? = error as? CorridorError else { return XCTFail("\(error)") }
        }
        XCTAssertNil(try corridor.vault.installedContentVersion())

        let repository = try Hub(settings: HubSettings(
            url: try TestEnvironment.hubURL + "/v1/content/repo/", pinnedKeySha256: [], extraRootCertificates: []
        ))
        let plan = try await corridor.vault.checkContent(repository: repository)
        XCTAssertFalse(plan.upToDate)
        XCTAssertEqual(plan.modulesAdded, 20)
        XCTAssertGreaterThan(plan.bytesToDownload, 0)

        let progress = RecordingProgress()
        let outcome = try await corridor.vault.updateContent(repository: repository, listener: progress)
        XCTAssertEqual(outcome.modulesInstalled, 20)
        XCTAssertEqual(outcome.bytesDownloaded, plan.bytesToDownload)
        XCTAssertGreaterThanOrEqual(progress.seen.count, 2, "progress reaches the Swift listener")
        XCTAssertEqual(progress.seen.last?.done, plan.bytesToDownload)
        XCTAssertTrue(zip(progress.seen, progress.seen.dropFirst()).allSatisfy { $0.done <= $1.done }, "progress never goes back")
        let again = try await corridor.vault.checkContent(repository: repository)
        XCTAssertTrue(again.upToDate)
        XCTAssertEqual(try corridor.vault.installedContentVersion(), 1)

        XCTAssertTrue(try session.sites().sites.contains { $0.id == "beitbridge" && $0.offersPep })
        XCTAssertEqual(try session.contentModules(language: "en").count, 10)
        let pep = try session.contentModule(id: "pep", language: "pt")
        XCTAssertTrue(pep.awaitingClinicalReview)
        XCTAssertTrue(pep.blocks.contains { if case .callout = $0 { return true } else { return false } })
        XCTAssertTrue(try session.contentSearch(words: "preservativo", language: "pt").contains { $0.id == "condoms-and-lubricant" })
        XCTAssertTrue(try session.contentSearch(words: "zzzqqq", language: "pt").isEmpty)
        XCTAssertThrowsError(try session.contentModule(id: "no-such-module", language: "en")) { error in
            guard case .InvalidInput? = error as? CorridorError else { return XCTFail("\(error)") }
        }
    }

    func testAHubThatIsNotThereIsARetryableNetworkError() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        _ = try await corridor.setUpPersonal(pin: PIN)
        _ = try corridor.vault.trustContentRoot(root: try TestEnvironment.shippedRoot)
        // Port 9 (discard) on loopback: nothing listens there.
        let nowhere = try Hub(settings: HubSettings(url: "http://127.0.0.1:9/v1/content/repo/", pinnedKeySha256: [], extraRootCertificates: []))
        do {
            _ = try await corridor.vault.checkContent(repository: nowhere)
            XCTFail("no hub, no plan")
        } catch CorridorError.Network(let retryable, _) {
            XCTAssertTrue(retryable)
        }
        XCTAssertNil(try corridor.vault.installedContentVersion(), "nothing installed")
        XCTAssertThrowsError(try Hub(settings: HubSettings(url: "http://example.org/", pinnedKeySha256: [], extraRootCertificates: []))) {
            guard case .InvalidInput? = $0 as? CorridorError else { return XCTFail("\($0)") }
        }
    }

    static let allTests = [
        ("testAPhoneUpdatesFromTheHubThenReadsSearchesAndAnswersAQuiz", asyncTest(testAPhoneUpdatesFromTheHubThenReadsSearchesAndAnswersAQuiz)),
        ("testAHubThatIsNotThereIsARetryableNetworkError", asyncTest(testAHubThatIsNotThereIsARetryableNetworkError)),
    ]
}
