import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// A shared tablet's first screen: each peer educator picks their name and types their own PIN
/// (tablets are the programme's devices: no calculator disguise). A new educator adds a profile.
@MainActor @Observable
public final class EducatorSignInViewModel {
    public private(set) var profiles: [ProfileSummary] = []
    public var chosenProfileId: String?
    public var pin = ""
    public var newName = ""
    public var newPin = ""
    public var newPinConfirmation = ""
    public private(set) var message: Message?

    private let corridor: CorridorVault
    /// The profile opened, and whether it was just added (its files need their protection class).
    private let onOpened: @MainActor (ProfileSession, Bool) -> Void

    init(corridor: CorridorVault, onOpened: @escaping @MainActor (ProfileSession, Bool) -> Void) {
        self.corridor = corridor
        self.onOpened = onOpened
    }

    public func load() async {
        let vault = corridor.vault
        profiles = (try? await offMainThread { try vault.profiles() }) ?? []
    }

    public func signIn() async {
        guard let profileId = chosenProfileId else { return }
        let typed = pin
        pin = ""
        do {
            switch try await corridor.unlock(pin: typed, profileId: profileId) {
            case .unlocked(let session):
                message = nil
                onOpened(session, false)
            case .wrongPin(let attemptsLeft, _):
                message = Message("educator.wrongPin", [String(attemptsLeft)])
            case .mustWait(let retryAfter):
                message = Message("educator.wait", [String(Int(retryAfter.rounded(.up)))])
            }
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    public func addEducator() async {
        guard newPin == newPinConfirmation else {
            message = Message("setup.pinsDiffer")
            return
        }
        let (name, typed) = (newName, newPin)
        newPin = ""
        newPinConfirmation = ""
        do {
            let session = try await corridor.vault.setupEducator(displayName: name, pin: typed)
            newName = ""
            message = nil
            onOpened(session, true)
        } catch CorridorError.InvalidInput(let field, _) where field == "pin" {
            message = Message("setup.pinInvalid")
        } catch {
            message = MessageKeys.forError(error)
        }
    }
}

/// Educator mode: the peer educator's group sessions (attendance by client code, walk-ins,
/// commodities, referrals, quiz results, notes), sending closed sessions to the hub, the
/// tablet's login at the hub, and the educator's numbers. Every rule is the core's.
@MainActor @Observable
public final class EducatorViewModel {
    public private(set) var displayName: String?
    public private(set) var account: HubAccount?
    public private(set) var sites: [SiteInfo] = []
    public private(set) var modules: [ModuleSummary] = []
    public private(set) var openSession: OpenSession?
    public private(set) var sessions: [EducatorSession] = []
    public private(set) var numbers: EducatorNumbers?
    public private(set) var lastSync: SessionSyncResult?
    public private(set) var message: Message?

    public static let genders: [Gender] = [.female, .male, .transgender, .other]
    public static let ageBands: [AgeBand] = [.under18, .from18To24, .from25To29, .from30To34, .from35To39, .from40To49, .from50]
    public static let commodities: [Commodity] = [.maleCondoms, .femaleCondoms, .lubricant, .hivSelfTestKits]
    public static let services: [Service] = [
        .hivTesting, .prep, .pep, .art, .sti, .contraception, .tb, .violenceSupport, .mentalHealth, .other,
    ]

    private let corridor: CorridorVault
    let session: ProfileSession
    private let hub: Hub?
    private let language: String

    init(corridor: CorridorVault, session: ProfileSession, hub: Hub?, language: String) {
        self.corridor = corridor
        self.session = session
        self.hub = hub
        self.language = language
        displayName = session.profile().displayName
    }

    public var canSync: Bool { hub != nil }

    public func load() async {
        let vault = corridor.vault, session = self.session, language = self.language
        do {
            let loaded = try await offMainThread {
                (try vault.hubAccount(), try session.sites().sites, try session.contentModules(language: language),
                 try session.openSession(), try session.educatorSessions(), try session.educatorNumbers(month: nil))
            }
            (account, sites, modules, openSession, sessions, numbers) = loaded
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    public func start(site: String, kind: SessionKind, modules: [String]) async {
        await record { session in _ = try session.startSession(site: site, kind: kind, modules: modules) }
    }

    /// An attendee's client code, typed or scanned from their card (the core checks it, and
    /// refuses the same person twice in one session).
    public func attend(code: String, gender: Gender?, ageBand: AgeBand?) async {
        await record { session in _ = try session.attendSession(code: code, gender: gender, ageBand: ageBand) }
    }

    public func removeAttendee(code: String) async {
        await record { session in try session.removeSessionAttendee(code: code) }
    }

    public func addWalkIns(gender: Gender, ageBand: AgeBand, count: Int64) async {
        await record { session in _ = try session.addWalkIns(gender: gender, ageBand: ageBand, count: count) }
    }

    public func addCommodity(_ commodity: Commodity, count: Int64) async {
        await record { session in _ = try session.addCommodity(commodity: commodity, count: count) }
    }

    public func addReferral(_ service: Service, clinic: String) async {
        await record { session in try session.addReferral(service: service, clinic: clinic) }
    }

    public func addQuizResult(module: String, attempted: Int64, passed: Int64) async {
        await record { session in try session.addQuizResult(module: module, attempted: attempted, passed: passed) }
    }

    public func setNotes(_ notes: String?) async {
        let trimmed = notes?.trimmingCharacters(in: .whitespacesAndNewlines)
        await record { session in try session.setSessionNotes(notes: trimmed?.isEmpty == false ? trimmed : nil) }
    }

    public func close() async {
        await record { session in _ = try session.closeSession() }
        if hub != nil, account != nil { await sync() }
    }

    public func discard() async {
        await record { session in _ = try session.discardOpenSession() }
    }

    /// A correction of a sent session: a new open session that replaces it at the hub.
    public func correct(_ sessionId: String) async {
        await record { session in _ = try session.correctSession(sessionIdText: sessionId) }
    }

    /// Logs this tablet in at the hub (once); the token stays in the device store.
    public func logIn(username: String, password: String, deviceLabel: String) async {
        guard let hub else { return }
        do {
            account = try await corridor.vault.hubLogin(hub: hub, username: username, password: password, deviceLabel: deviceLabel)
            message = Message("educator.loggedIn")
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    /// Seals and sends the closed sessions (the tablet then forgets their client codes).
    public func sync() async {
        guard let hub else { return }
        do {
            lastSync = try await session.syncSessions(hub: hub)
            message = nil
            await load()
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    private func record(_ change: @escaping @Sendable (ProfileSession) throws -> Void) async {
        let session = self.session
        do {
            try await offMainThread { try change(session) }
            message = nil
            await load()
        } catch {
            message = MessageKeys.forError(error)
        }
    }
}
