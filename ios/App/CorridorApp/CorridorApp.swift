// The SwiftUI app: thin views over the view models of CorridorAppModel. Not compiled on Linux
// (SwiftUI exists only on Apple platforms); every decision is in the view models, which are.
import CorridorAppModel
import CorridorFFI
import CorridorKit
import SwiftUI
import UserNotifications

@main
struct CorridorApp: App {
    @Environment(\.scenePhase) private var scenePhase
    @State private var model: AppModel?
    @State private var failed = false

    init() {
        // Registered before launch finishes, as BGTaskScheduler requires.
        OutboxBackgroundRefresh.register {
            guard let corridor = try? AppEnvironment.sharedVault(),
                  let hub = try? AppEnvironment.configuration.hub() else { return nil }
            return OutboxSync(vault: corridor.vault, hub: hub)
        }
    }

    var body: some Scene {
        WindowGroup {
            Group {
                if let model {
                    RootView(model: model)
                } else if failed {
                    // Nothing revealing: a calculator that could not start shows an empty display.
                    PrivacyCover()
                } else {
                    PrivacyCover().task { await start() }
                }
            }
        }
        .onChange(of: scenePhase) { _, phase in
            switch phase {
            case .active: model?.sceneBecameActive()
            case .inactive: model?.sceneBecameInactive()
            case .background:
                model?.sceneEnteredBackground()
                OutboxBackgroundRefresh.schedule()
            @unknown default: model?.sceneBecameInactive()
            }
        }
    }

    @MainActor
    private func start() async {
        do {
            let corridor = try AppEnvironment.sharedVault()
            UserNotificationScheduler.registerCategory(placeholder: L("notification.hiddenPlaceholder"))
            let center = UNUserNotificationCenter.current()
            let app = AppModel(
                corridor: corridor,
                configuration: AppEnvironment.configuration,
                scheduler: UserNotificationScheduler(center: center),
                numberFormat: AppEnvironment.numberFormat,
                language: AppEnvironment.language
            )
            await app.start()
            model = app
        } catch {
            failed = true
        }
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

    /// The one vault of the process, shared by the app and the background refresh (one handle
    /// per data directory: the core serialises its changes through it). A failure is not kept:
    /// before the first unlock after a reboot the files cannot be read yet, later they can.
    static func sharedVault() throws -> CorridorVault {
        lock.lock()
        defer { lock.unlock() }
        if let opened { return opened }
        let vault = try openVault()
        opened = vault
        return vault
    }

    /// Application Support/corridor, with its data protection classes set (docs/ios.md).
    private static func openVault() throws -> CorridorVault {
        let support = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask,
                                                  appropriateFor: nil, create: true)
        let directory = support.appendingPathComponent("corridor", isDirectory: true)
        try DataProtectionPolicy.apply(to: directory)
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
