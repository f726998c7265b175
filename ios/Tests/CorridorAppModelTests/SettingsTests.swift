import CorridorAppModel
import CorridorFFI
import CorridorKit
import Foundation
import XCTest

final class SettingsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory("settings")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    @MainActor func openSettings() async throws -> (CorridorVault, AppModel, PersonalShell) {
        let corridor = try CorridorVault.open(at: directory, strengthener: deviceStrengthener())
        let app = AppModel(corridor: corridor, configuration: AppConfiguration(hubURL: nil), scheduler: nil,
                           numberFormat: english, language: "en")
        await app.start()
        guard case .setUp(let setUp) = app.screen else { throw CocoaError(.featureUnsupported) }
        setUp.pin = PIN
        setUp.confirmation = PIN
        await setUp.setUp()
        guard case .personal(let shell) = app.screen else { throw CocoaError(.featureUnsupported) }
        await shell.settings.load()
        return (corridor, app, shell)
    }

    /// The icon changes only when the person opts in; the cover alone never changes it.
    @MainActor func testTheAlternateIconIsOnlyAnOptionThePersonChooses() async throws {
        let (corridor, _, shell) = try await openSettings()
        let settings = shell.settings
        XCTAssertEqual(settings.currentCover?.id, "calculator")
        XCTAssertNil(settings.alternateIconName)
        await settings.chooseCover("budget")
        XCTAssertEqual(try corridor.vault.cover().id, "budget")
        XCTAssertNil(settings.alternateIconName, "choosing a cover does not change the icon by itself")
        await settings.setUsesCoverIcon(true)
        XCTAssertEqual(settings.alternateIconName, "budget")
        await settings.chooseCover("calculator")
        XCTAssertNil(settings.alternateIconName, "the calculator is the installed icon")
        await settings.setUsesCoverIcon(false)
        await settings.chooseCover("budget")
        XCTAssertNil(settings.alternateIconName)
        await settings.chooseCover("no-such-cover")
        XCTAssertEqual(settings.message, Message("error.invalidInput", ["cover"]))
    }

    @MainActor func testPinChangesAndQuickDeleteThroughTheSettings() async throws {
        let (corridor, app, shell) = try await openSettings()
        var tracesErased = 0
        app.eraseTraces = { tracesErased += 1 }
        let settings = shell.settings
        await settings.changePin(current: PIN, new: "735194", confirmation: "735195")
        XCTAssertEqual(settings.message, Message("setup.pinsDiffer"))
        await settings.changePin(current: "000000", new: "735194", confirmation: "735194")
        XCTAssertEqual(settings.message, Message("settings.wrongPin"))
        await settings.changePin(current: PIN, new: "735194", confirmation: "735194")
        XCTAssertEqual(settings.message, Message("settings.pinChanged"))
        await settings.setDuressPin(current: "735194", duress: DURESS, eraseOnDuress: false)
        XCTAssertEqual(settings.message, Message("settings.duressSet"))
        XCTAssertTrue(settings.hasDuressPin)

        await settings.createRecoveryKit()
        let secret = try XCTUnwrap(settings.recoverySecretToShow)
        await settings.confirmRecoveryKit(typed: secret)
        XCTAssertEqual(settings.message, Message("settings.recoveryConfirmed"))
        XCTAssertNil(settings.recoverySecretToShow, "the secret is shown once")
        XCTAssertTrue(settings.hasRecoveryKit)

        let warning = await settings.quickDeleteWarning()
        XCTAssertNil(warning, "a phone has no group sessions to lose")
        XCTAssertEqual(tracesErased, 0)
        await settings.quickDelete()
        XCTAssertEqual(tracesErased, 1, "quick delete removes the notifications and the alternate icon")
        let status = try await corridor.status()
        XCTAssertFalse(status.setUp)
        guard case .disguise(let calculator) = app.screen else { return XCTFail("after quick delete: the calculator") }
        for key in "735194=" { calculator.press(character: String(key)) }
        await calculator.settle()
        guard case .disguise = app.screen else { return XCTFail("after quick delete the calculator is only a calculator") }
        XCTAssertEqual(calculator.display, "735,194")
    }

    static let allTests = [
        ("testTheAlternateIconIsOnlyAnOptionThePersonChooses", asyncTest(testTheAlternateIconIsOnlyAnOptionThePersonChooses)),
        ("testPinChangesAndQuickDeleteThroughTheSettings", asyncTest(testPinChangesAndQuickDeleteThroughTheSettings)),
    ]
}
