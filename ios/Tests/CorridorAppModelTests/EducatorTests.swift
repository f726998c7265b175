import CorridorAppModel
import CorridorFFI
import CorridorKit
import Foundation
import XCTest

/// Educator mode on a shared tablet, against the real hub of scripts/test-ios.sh: set up, pick a
/// name and type the PIN, record a group session by client code, close it, log the tablet in and
/// send it; the tablet keeps only counts.
final class EducatorTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("tablet")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    @MainActor func testAGroupSessionIsRecordedByCodeClosedAndSentFromTheTablet() async throws {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        let configuration = try TestEnvironment.configuration
        let app = AppModel(corridor: corridor, configuration: configuration, scheduler: nil, numberFormat: english, language: "en")
        await app.start()
        guard case .setUp(let setUp) = app.screen else { return XCTFail("a new tablet starts with set-up") }
        setUp.sharedTablet = true
        setUp.educatorName = "Thandi"
        setUp.pin = PIN
        setUp.confirmation = PIN
        await setUp.setUp()
        guard case .educator(let educator) = app.screen else { return XCTFail("set-up opens educator mode: \(app.screen)") }
        XCTAssertEqual(educator.displayName, "Thandi")

        // The app trusted its shipped content root at set-up; the update verifies against it.
        let plan = try await corridor.vault.checkContent(repository: try XCTUnwrap(try configuration.contentRepository()))
        XCTAssertEqual(plan.modulesAdded, 20)
        _ = try await corridor.vault.updateContent(repository: try XCTUnwrap(try configuration.contentRepository()), listener: nil)
        await educator.load()
        XCTAssertTrue(educator.sites.contains { $0.id == "beitbridge" })
        XCTAssertFalse(educator.modules.isEmpty)

        await educator.start(site: "no-such-site", kind: .group, modules: [])
        XCTAssertEqual(educator.message?.key, "error.invalidInput")
        XCTAssertNil(educator.openSession)
        await educator.start(site: "beitbridge", kind: .group, modules: ["pep"])
        XCTAssertNotNil(educator.openSession)

        let codes = try generateClientCodes(count: 3)
        await educator.attend(code: codes[0].lowercased(), gender: .female, ageBand: .from18To24)
        await educator.attend(code: codes[1], gender: .transgender, ageBand: nil)
        XCTAssertNil(educator.message)
        await educator.attend(code: codes[0], gender: nil, ageBand: nil)
        XCTAssertEqual(educator.message, Message("error.invalidInput", ["code"]), "the same person twice is refused")
        await educator.attend(code: "K7QM-4TX9-B2X", gender: nil, ageBand: nil)
        XCTAssertNotNil(educator.message, "a mistyped code is refused")
        await educator.addWalkIns(gender: .male, ageBand: .from25To29, count: 2)
        await educator.addCommodity(.maleCondoms, count: 40)
        await educator.addReferral(.prep, clinic: "beitbridge")
        await educator.addQuizResult(module: "pep", attempted: 5, passed: 4)
        XCTAssertNil(educator.message)
        XCTAssertEqual(educator.openSession?.attendees.map(\.code), [codes[0], codes[1]])

        await educator.close()
        XCTAssertNil(educator.openSession)
        XCTAssertEqual(educator.sessions.map(\.state), [.closed], "not logged in yet: closed, waiting")
        XCTAssertEqual(educator.sessions.first?.attendees, 2)

        await educator.logIn(username: try TestEnvironment.value("CORRIDOR_TEST_EDUCATOR"), password: "wrong password", deviceLabel: "tablet 1")
        XCTAssertNil(educator.account)
        XCTAssertEqual(educator.message, Message("error.hubRefused"))
        await educator.logIn(
            username: try TestEnvironment.value("CORRIDOR_TEST_EDUCATOR"),
            password: try TestEnvironment.value("CORRIDOR_TEST_EDUCATOR_PASSWORD"), deviceLabel: "tablet 1"
        )
        XCTAssertEqual(educator.account?.username, "tablet-1")
        await educator.sync()
        XCTAssertEqual(educator.lastSync?.sent, 1)
        XCTAssertEqual(educator.lastSync?.waiting, 0)
        XCTAssertEqual(educator.sessions.map(\.state), [.sent])
        XCTAssertEqual(educator.sessions.first?.attendees, 2, "the counts stay")
        XCTAssertEqual(educator.numbers?.walkIns, 2)
        XCTAssertEqual(educator.numbers?.waiting, 0)

        // Quick exit returns to the sign-in; a wrong PIN opens nothing, the right one reopens.
        app.quickExit()
        guard case .educatorSignIn(let signIn) = app.screen else { return XCTFail("a tablet signs in by name: \(app.screen)") }
        await signIn.load()
        XCTAssertEqual(signIn.profiles.compactMap(\.displayName), ["Thandi"])
        signIn.chosenProfileId = signIn.profiles.first?.id
        signIn.pin = "111111"
        await signIn.signIn()
        XCTAssertEqual(signIn.message?.key, "educator.wrongPin")
        XCTAssertEqual(signIn.pin, "", "the typed PIN is not kept")
        signIn.pin = PIN
        await signIn.signIn()
        guard case .educator(let reopened) = app.screen else { return XCTFail("the PIN opens Thandi's profile") }
        await reopened.load()
        XCTAssertEqual(reopened.sessions.count, 1)

        // A second educator on the same tablet sees none of Thandi's sessions.
        app.quickExit()
        guard case .educatorSignIn(let again) = app.screen else { return XCTFail("sign-in") }
        again.newName = "Maria"
        again.newPin = "730184"
        again.newPinConfirmation = "730184"
        await again.addEducator()
        guard case .educator(let maria) = app.screen else { return XCTFail("Maria's profile opens") }
        await maria.load()
        XCTAssertTrue(maria.sessions.isEmpty)
        XCTAssertNotNil(maria.account, "the tablet's login is the tablet's, not the educator's")

        // No client code is left in any file of the tablet once the session is sent.
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard let bytes = try? Data(contentsOf: file) else { continue }
            for code in codes {
                XCTAssertNil(bytes.range(of: Data(code.utf8)), "\(code) in \(file.lastPathComponent)")
            }
        }
    }

    static let allTests = [
        ("testAGroupSessionIsRecordedByCodeClosedAndSentFromTheTablet", asyncTest(testAGroupSessionIsRecordedByCodeClosedAndSentFromTheTablet)),
    ]
}
