import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// Learn: the installed health modules (read offline), search, quizzes, and content updates.
@MainActor @Observable
public final class LearnViewModel {
    public enum UpdateState: Equatable {
        case idle
        case checking
        /// An update is offered: ask before downloading this much.
        case offered(ContentUpdatePlan)
        case downloading(doneBytes: UInt64, totalBytes: UInt64)
        case installed(ContentUpdateOutcome)
        case upToDate
        case failed(Message)
    }

    public private(set) var modules: [ModuleSummary] = []
    public private(set) var openModule: ContentModule?
    public private(set) var searchHits: [ContentSearchHit] = []
    public private(set) var quizResults: [String: QuizResult] = [:]
    public private(set) var update: UpdateState = .idle
    public private(set) var message: Message?
    public var language: String

    private let vault: Vault
    private let session: ProfileSession
    private let repository: Hub?

    init(vault: Vault, session: ProfileSession, repository: Hub?, language: String) {
        self.vault = vault
        self.session = session
        self.repository = repository
        self.language = language
    }

    public var canUpdate: Bool { repository != nil }

    public func load() async {
        let session = self.session, language = self.language
        do {
            modules = try await offMainThread { try session.contentModules(language: language) }
            message = nil
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    public func open(_ id: String) async {
        let session = self.session, language = self.language
        do {
            openModule = try await offMainThread { try session.contentModule(id: id, language: language) }
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    public func close() {
        openModule = nil
    }

    public func search(_ words: String) async {
        let session = self.session, language = self.language
        let trimmed = words.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            searchHits = []
            return
        }
        do {
            searchHits = try await offMainThread { try session.contentSearch(words: trimmed, language: language) }
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    public func answer(quiz: QuizInfo, chosen: [UInt32]) async {
        guard let module = openModule else { return }
        let session = self.session
        do {
            let result = try await offMainThread {
                try session.answerQuiz(id: module.id, language: module.language, quizId: quiz.id, chosen: chosen)
            }
            quizResults[quiz.id] = result
        } catch {
            message = MessageKeys.forError(error)
        }
    }

    /// Asks the repository what an update would download (small metadata only).
    public func checkForUpdate() async {
        guard let repository else { return }
        update = .checking
        do {
            let plan = try await vault.checkContent(repository: repository)
            update = plan.upToDate ? .upToDate : .offered(plan)
        } catch {
            update = .failed(MessageKeys.forError(error))
        }
    }

    /// Downloads, verifies and installs the update (all or nothing), showing progress.
    public func installUpdate() async {
        guard let repository else { return }
        update = .downloading(doneBytes: 0, totalBytes: 0)
        let listener = ProgressRelay { [weak self] done, total in
            Task { @MainActor in
                guard let self, case .downloading = self.update else { return }
                self.update = .downloading(doneBytes: done, totalBytes: total)
            }
        }
        do {
            let outcome = try await vault.updateContent(repository: repository, listener: listener)
            update = outcome.upToDate ? .upToDate : .installed(outcome)
            await load()
        } catch {
            update = .failed(MessageKeys.forError(error))
        }
    }
}

/// The core's `ContentProgressListener`, implemented in Swift: called on the core's threads.
final class ProgressRelay: ContentProgressListener, @unchecked Sendable {
    private let relay: @Sendable (UInt64, UInt64) -> Void

    init(_ relay: @escaping @Sendable (UInt64, UInt64) -> Void) {
        self.relay = relay
    }

    func progress(doneBytes: UInt64, totalBytes: UInt64) {
        relay(doneBytes, totalBytes)
    }
}
