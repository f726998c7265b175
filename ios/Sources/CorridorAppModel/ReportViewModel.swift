import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// Report: a quick report of three choices (or "I need help now"), sealed on the phone to the
/// person's Crisis Response Team and queued. After filing, the urgency screen comes first when
/// PEP (72 h) or emergency contraception (120 h) is still possible, with the nearest PEP clinics;
/// only then the confirmation. Sending happens in the background (outbox), here and from the
/// background refresh.
@MainActor @Observable
public final class ReportViewModel {
    public enum Step: Equatable {
        case what
        case when
        case wants
        case filing
        /// Shown before anything else when `urgency.pepUrgent || urgency.emergencyContraception`.
        case urgency(SubmittedReport)
        case filed(SubmittedReport)
        case sosSent(SosResult)
        case failed(Message)
    }

    public private(set) var step: Step = .what
    public private(set) var what: ViolenceKind?
    public private(set) var when: QuickWhen?
    /// The site the person is near (from the safety-signed list), to list the nearest clinics.
    public var nearSite: String?
    public private(set) var sites: [SiteInfo] = []
    public private(set) var reports: [ReportSummary] = []
    public private(set) var lastSync: OutboxSyncResult?

    public static let violenceKinds: [ViolenceKind] = [
        .physical, .sexual, .emotionalOrVerbal, .robberyOrEconomic, .arrestOrPoliceHarassment, .refusedService, .other,
    ]
    public static let whens: [QuickWhen] = [.today, .lastThreeDays, .earlier]
    public static let wants: [QuickWant] = [.urgentMedicalHelp, .contactMe, .justRecordIt]

    private let vault: Vault
    private let session: ProfileSession
    private let hub: Hub?

    init(vault: Vault, session: ProfileSession, hub: Hub?) {
        self.vault = vault
        self.session = session
        self.hub = hub
    }

    public func load() async {
        let session = self.session
        if let loaded = try? await offMainThread({ (try session.sites().sites, try session.reports()) }) {
            (sites, reports) = loaded
        }
    }

    public func choose(_ kind: ViolenceKind) {
        what = kind
        step = .when
    }

    public func choose(_ time: QuickWhen) {
        when = time
        step = .wants
    }

    /// The third choice files the report at once.
    public func choose(_ want: QuickWant) async {
        guard let what, let when else {
            step = .what
            return
        }
        step = .filing
        let session = self.session, site = nearSite
        do {
            let submitted = try await offMainThread {
                try session.fileQuickReport(what: what, when: when, wants: want, nearSite: site)
            }
            let urgent = submitted.urgency.pepUrgent || submitted.urgency.emergencyContraception
            step = urgent ? .urgency(submitted) : .filed(submitted)
            await load()
            await send()
        } catch CorridorError.InvalidInput(let field, _) where field == "reports" {
            step = .failed(Message("report.noTeamKeys"))
        } catch {
            step = .failed(MessageKeys.forError(error))
        }
    }

    /// From the urgency screen on to the confirmation.
    public func acknowledgeUrgency() {
        if case .urgency(let submitted) = step { step = .filed(submitted) }
    }

    /// "I need help now": sealed and sent before anything else waiting.
    public func sos(contact: SafeContact?) async {
        let session = self.session
        do {
            step = .sosSent(try await offMainThread { try session.sendSos(contact: contact) })
            await send()
            await load()
        } catch {
            step = .failed(MessageKeys.forError(error))
        }
    }

    /// Sends what waits now (when the build names a hub), and brings the states up to date.
    public func send() async {
        guard let hub else { return }
        lastSync = try? await OutboxSync(vault: vault, hub: hub).run()
        if let refreshed = try? await session.refreshReports(hub: hub) { reports = refreshed }
    }

    public func startAgain() {
        what = nil
        when = nil
        step = .what
    }
}
