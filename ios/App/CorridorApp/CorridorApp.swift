// The SwiftUI app: thin views over the view models of CorridorAppModel. Not compiled on Linux
// (SwiftUI exists only on Apple platforms); every decision is in the view models, which are.
import CorridorAppModel
import CorridorFFI
import CorridorKit
import SwiftUI
import UIKit
import UserNotifications

@main
struct CorridorApp: App {
    @Environment(\.scenePhase) private var scenePhase
    @State private var model: AppModel?
    /// The vault could not be opened: a calculator that only calculates, tried again on return.
    @State private var calculatorOnly: CalculatorViewModel?

    init() {
        // Registered before launch finishes, as BGTaskScheduler requires. The refresh never
        // makes the data directory (nothing to send on a new installation).
        OutboxBackgroundRefresh.register {
            guard let corridor = try? AppEnvironment.sharedVault(create: false),
                  let hub = try? AppEnvironment.configuration.hub() else { return nil }
            return OutboxSync(vault: corridor.vault, hub: hub)
        }
    }

    var body: some Scene {
        WindowGroup {
            Group {
                if let model {
                    RootView(model: model)
                } else if let calculatorOnly {
                    CalculatorView(model: calculatorOnly)
                } else {
                    PrivacyCover().task { await start() }
                }
            }
            .onReceive(NotificationCenter.default.publisher(for: UIScreen.capturedDidChangeNotification)) { _ in
                model?.screenCaptureChanged(UIScreen.main.isCaptured)
                updateCover(phase: scenePhase)
            }
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .active:
                model?.sceneBecameActive()
                if model == nil, calculatorOnly != nil { Task { await start() } }
            case .inactive: model?.sceneBecameInactive()
            case .background:
                model?.sceneEnteredBackground()
                OutboxBackgroundRefresh.schedule()
            @unknown default: model?.sceneBecameInactive()
            }
            // Synchronously, in the same turn: the app switcher's snapshot is taken right after.
            updateCover(phase: phase)
        }
    }

    /// The cover is its own window above every other (sheets, dialogs, alerts, the keyboard):
    /// a cover drawn inside the root view would sit under what it presents.
    @MainActor
    private func updateCover(phase: ScenePhase) {
        let covered = model?.obscured ?? (phase != .active || UIScreen.main.isCaptured)
        CoverWindow.shared.show(covered)
    }

    @MainActor
    private func start() async {
        do {
            let corridor = try AppEnvironment.sharedVault(create: true)
            UserNotificationScheduler.registerCategory(placeholder: L("notification.hiddenPlaceholder"))
            let center = UNUserNotificationCenter.current()
            let app = AppModel(
                corridor: corridor,
                configuration: AppEnvironment.configuration,
                scheduler: UserNotificationScheduler(center: center),
                numberFormat: AppEnvironment.numberFormat,
                language: AppEnvironment.language
            )
            app.eraseTraces = {
                // Quick delete: nothing of the app stays in the notification centre or on the icon.
                center.removeAllPendingNotificationRequests()
                center.removeAllDeliveredNotifications()
                if UIApplication.shared.alternateIconName != nil {
                    try? await UIApplication.shared.setAlternateIconName(nil)
                }
            }
            app.screenCaptureChanged(UIScreen.main.isCaptured)
            await app.start()
            model = app
            calculatorOnly = nil
        } catch {
            // Nothing revealing and still a calculator: it calculates, and a PIN opens nothing.
            if calculatorOnly == nil {
                calculatorOnly = try? CalculatorViewModel.calculatorOnly(
                    format: AppEnvironment.numberFormat, authenticate: DeviceKeyStrengthener.hmacSHA256
                )
            }
        }
        updateCover(phase: scenePhase)
    }
}

enum AppEnvironment {
    static var configuration: AppConfiguration {
        AppConfiguration(
            infoDictionary: Bundle.main.infoDictionary ?? [:],
            shippedContentRoot: Bundle.main.url(forResource: "content-root", withExtension: "json")
                .flatMap { try? Data(contentsOf: $0) }
        )
    }

    private static let lock = NSLock()
    private static var opened: CorridorVault?

    struct NoDataDirectory: Error {}

    /// The one vault of the process, shared by the app and the background refresh (one handle
    /// per data directory: the core serialises its changes through it). A failure is not kept:
    /// before the first unlock after a reboot the files cannot be read yet, later they can.
    /// `create`: the app's launch makes the data directory (and, the first time, deletes the
    /// Keychain items an earlier installation left); the background refresh never does.
    static func sharedVault(create: Bool) throws -> CorridorVault {
        lock.lock()
        defer { lock.unlock() }
        if let opened { return opened }
        let vault = try openVault(create: create)
        opened = vault
        return vault
    }

    /// Application Support/state (a neutral name, `DataDirectory`); its data protection classes
    /// are set best effort by `CorridorVault.open` (docs/ios.md).
    private static func openVault(create: Bool) throws -> CorridorVault {
        let support = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask,
                                                  appropriateFor: nil, create: true)
        guard let directory = try DataDirectory.locate(in: support, create: create, firstLaunch: {
            deleteLeftoverKeychainItems()
        }) else { throw NoDataDirectory() }
        return try CorridorVault.open(at: directory, strengthener: DeviceKeyStrengthener.forThisDevice())
    }

    static var numberFormat: NumberFormat {
        let locale = Locale.current
        let grouping = locale.groupingSeparator.flatMap { $0.count == 1 ? $0 : nil }
        return NumberFormat(decimalSeparator: locale.decimalSeparator ?? ".", groupingSeparator: grouping)
    }

    /// The content language: Portuguese when the phone is in Portuguese, English otherwise.
    static var language: String {
        Locale.current.language.languageCode?.identifier == "pt" ? "pt" : "en"
    }
}

/// A localised string of Localizable.strings (the Linux tests check every key used here).
func L(_ key: String) -> String {
    NSLocalizedString(key, comment: "")
}

/// A view model's message, localised and formatted.
func text(_ message: Message) -> String {
    let format = NSLocalizedString(message.key, comment: "")
    return message.arguments.isEmpty ? format : String(format: format, arguments: message.arguments.map { $0 as CVarArg })
}
