// The app's view models: plain Swift (no SwiftUI), compiled and tested on Linux. The SwiftUI
// views in ios/App only draw what these expose and forward taps to them.
import CorridorFFI
import Foundation

/// A text for the view to localise: a key of Localizable.strings and its format arguments.
public struct Message: Equatable, Sendable {
    public let key: String
    public let arguments: [String]

    public init(_ key: String, _ arguments: [String] = []) {
        self.key = key
        self.arguments = arguments
    }
}

/// Every key the view models hand to the views; the tests check both languages have them all.
public enum MessageKeys {
    public static let all: [String] = [
        "setup.pinsDiffer", "setup.pinInvalid", "setup.failed",
        "error.locked", "error.network", "error.storage", "error.unexpected", "error.contentRejected",
        "error.hubRefused", "error.invalidInput",
        "settings.pinChanged", "settings.wrongPin", "settings.duressSet", "settings.duressCleared",
        "settings.recoveryConfirmed", "settings.pendingUploads",
        "learn.upToDate", "learn.installed",
        "report.noTeamKeys", "report.queued",
        "educator.loggedIn", "educator.wrongPin", "educator.wait",
    ] + HomeViewModel.reminderKinds.map { "reminder.kind." + $0 }

    /// The key for an error from the core, for any screen after the PIN.
    public static func forError(_ error: Error) -> Message {
        guard let error = error as? CorridorError else { return Message("error.unexpected") }
        switch error {
        case .Locked: return Message("error.locked")
        case .Network: return Message("error.network")
        case .StorageFull, .StorageReadOnly, .Storage, .DatabaseDamaged: return Message("error.storage")
        case .ContentRejected: return Message("error.contentRejected")
        case .HubRefused: return Message("error.hubRefused")
        case .InvalidInput(let field, _): return Message("error.invalidInput", [field])
        default: return Message("error.unexpected")
        }
    }
}
