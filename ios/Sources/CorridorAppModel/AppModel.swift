import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// The whole app's state: which screen shows, and whether the app switcher must see a cover.
///
/// Before the PIN only the calculator shows (or, on a device never set up, the set-up screen).
/// Leaving the foreground locks every profile and returns to the calculator; while the app is
/// inactive (app switcher, notification centre) `obscured` asks the view to draw the cover, so
/// the snapshot iOS takes shows a calculator, never a profile.
@MainActor @Observable
public final class AppModel {
    public enum Screen {
        case starting
        case setUp(SetUpViewModel)
        case disguise(CalculatorViewModel)
        /// A shared tablet: pick a name, type the PIN.
        case educatorSignIn(EducatorSignInViewModel)
        case personal(PersonalShell)
        case educator(EducatorViewModel)
    }

    public private(set) var screen: Screen = .starting
    /// Whether the view must draw the cover over everything (its own window on iOS): while the
    /// app is inactive or in the background (the app switcher's snapshot) and while the screen
    /// is recorded or mirrored.
    public var obscured: Bool { leftForeground || screenCaptured }
    private var leftForeground = false
    private var screenCaptured = false
    /// Some file's data protection class could not be set (the phone locked at that moment):
    /// tried again whenever the app becomes active; Settings says so after the PIN.
    public private(set) var dataProtectionIncomplete = false
    /// What a quick delete removes outside the core: on iOS every pending and delivered
    /// notification and the alternate icon (set by the app; the core cannot reach them).
    public var eraseTraces: (@MainActor () async -> Void)?

    public let corridor: CorridorVault
    let configuration: AppConfiguration
    let scheduler: NotificationScheduler?
    let numberFormat: NumberFormat
    let language: String

    public init(
        corridor: CorridorVault,
        configuration: AppConfiguration,
        scheduler: NotificationScheduler?,
        numberFormat: NumberFormat,
        language: String
    ) {
        self.corridor = corridor
        self.configuration = configuration
        self.scheduler = scheduler
        self.numberFormat = numberFormat
        self.language = language
        if let scheduler {
            corridor.vault.setNotificationScheduler(scheduler: scheduler)
        }
    }

    /// At launch: the calculator on a set-up device (after re-planning notifications without the
    /// PIN, as after a reboot), the set-up screen otherwise.
    public func start() async {
        applyDataProtection()
        guard let status = try? await corridor.status() else {
            // Unreadable data (a damaged key file, files not readable yet): never the set-up
            // screen, which would show what the app is. The calculator still calculates.
            showDisguise()
            return
        }
        if status.setUp {
            await trustShippedContentRoot()
        }
        if status.setUp, status.kind == .educator {
            showEducatorSignIn()
        } else if status.setUp {
            if let scheduler {
                let vault = corridor.vault
                _ = try? await offMainThread { try vault.reconcileLocked(scheduler: scheduler) }
            }
            showDisguise()
        } else {
            screen = .setUp(SetUpViewModel(corridor: corridor) { [weak self] session in
                guard let self else { return }
                self.applyDataProtection()
                await self.trustShippedContentRoot()
                self.opened(session)
            })
        }
    }

    /// Pins the content root the app ships, at every start: a no-op once the device trusts it
    /// or a later root it rotated to; another root is refused by the core and changes nothing.
    func trustShippedContentRoot() async {
        guard let root = configuration.shippedContentRoot else { return }
        let vault = corridor.vault
        _ = try? await offMainThread { try vault.trustContentRoot(root: root) }
    }

    /// The scene became inactive (app switcher, a call, the notification centre).
    public func sceneBecameInactive() {
        leftForeground = true
    }

    public func sceneBecameActive() {
        leftForeground = false
        if dataProtectionIncomplete { applyDataProtection() }
        refreshLockState()
    }

    /// The app left the foreground: lock everything and return to the calculator.
    public func sceneEnteredBackground() {
        leftForeground = true
        quickExit()
    }

    /// The screen started or stopped being recorded, mirrored or shared (`UIScreen.isCaptured`).
    public func screenCaptureChanged(_ captured: Bool) {
        screenCaptured = captured
    }

    /// Sets the data protection classes, best effort; remembers whether anything failed.
    func applyDataProtection() {
        dataProtectionIncomplete = !corridor.applyDataProtection().isEmpty
    }

    /// Quick exit: lock every profile at once and show the calculator (a tablet's sign-in).
    public func quickExit() {
        corridor.vault.quickExit()
        switch screen {
        case .setUp, .starting: return
        case .educator, .educatorSignIn: showEducatorSignIn()
        case .disguise, .personal: showDisguise()
        }
    }

    /// Records activity on the open profile (postpones the core's auto-lock); the views call it
    /// on every interaction.
    public func userDidInteract() {
        openSession?.touchIgnoringErrors()
    }

    /// Returns to the calculator (a tablet's sign-in) when the open profile was locked behind the
    /// app's back: the core's auto-lock after the idle time. The views call it on a timer and on
    /// becoming active.
    public func refreshLockState() {
        guard let session = openSession, session.isLocked() else { return }
        quickExit()
    }

    var openSession: ProfileSession? {
        switch screen {
        case .personal(let shell): return shell.session
        case .educator(let educator): return educator.session
        default: return nil
        }
    }

    func showEducatorSignIn() {
        screen = .educatorSignIn(EducatorSignInViewModel(corridor: corridor) { [weak self] session, added in
            guard let self else { return }
            if added { self.applyDataProtection() }
            self.opened(session)
        })
    }

    /// After a quick delete the device is as new: the calculator is only a calculator.
    func erased() {
        showDisguise()
    }

    func showDisguise() {
        do {
            screen = .disguise(try CalculatorViewModel(vault: corridor.vault, format: numberFormat) { [weak self] session in
                self?.opened(session)
            })
        } catch {
            // Disguise only fails on a malformed number format, which the app never passes.
            screen = .starting
        }
    }

    func opened(_ session: ProfileSession) {
        let hub = try? configuration.hub()
        let repository = try? configuration.contentRepository()
        switch session.profile().role {
        case .personal:
            screen = .personal(PersonalShell(
                app: self, session: session, hub: hub, repository: repository,
                scheduler: scheduler, language: language
            ))
        case .educator:
            screen = .educator(EducatorViewModel(corridor: corridor, session: session, hub: hub, language: language))
        }
    }
}

/// The unlocked personal app: its tabs and their view models.
@MainActor @Observable
public final class PersonalShell {
    public enum Tab: String, CaseIterable, Sendable { case home, learn, report, settings }

    public var tab: Tab = .home
    public let home: HomeViewModel
    public let learn: LearnViewModel
    public let report: ReportViewModel
    public let settings: SettingsViewModel
    public let session: ProfileSession

    init(app: AppModel, session: ProfileSession, hub: Hub?, repository: Hub?, scheduler: NotificationScheduler?, language: String) {
        self.session = session
        home = HomeViewModel(session: session, scheduler: scheduler)
        learn = LearnViewModel(vault: app.corridor.vault, session: session, repository: repository, language: language)
        report = ReportViewModel(vault: app.corridor.vault, session: session, hub: hub)
        settings = SettingsViewModel(
            vault: app.corridor.vault, session: session,
            onErased: { [weak app] in app?.erased() },
            eraseTraces: { [weak app] in await app?.eraseTraces?() },
            dataProtectionIncomplete: { [weak app] in app?.dataProtectionIncomplete ?? false }
        )
    }
}

extension ProfileSession {
    func touchIgnoringErrors() {
        // A locked profile cannot be touched; refreshLockState then shows the calculator.
        try? touch()
    }
}
