import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// Educator mode on a shared tablet: the educator's profile, the tablet's login at the hub and
/// what waits to be uploaded.
@MainActor @Observable
public final class EducatorViewModel {
    public private(set) var displayName: String?
    public private(set) var account: HubAccount?
    public private(set) var outbox: [OutboxItem] = []
    public private(set) var lastSync: OutboxSyncResult?
    public private(set) var message: Message?

    private let corridor: CorridorVault
    private let session: ProfileSession
    private let hub: Hub?

    init(corridor: CorridorVault, session: ProfileSession, hub: Hub?) {
        self.corridor = corridor
        self.session = session
        self.hub = hub
        displayName = session.profile().displayName
    }

    public func load() async {
        let vault = corridor.vault
        do {
            (account, outbox) = try await offMainThread { (try vault.hubAccount(), try vault.outboxItems()) }
        } catch {
            message = MessageKeys.forError(error)
        }
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

    public func send() async {
        guard let hub else { return }
        do {
            lastSync = try await OutboxSync(vault: corridor.vault, hub: hub).run()
            await load()
        } catch {
            message = MessageKeys.forError(error)
        }
    }
}
