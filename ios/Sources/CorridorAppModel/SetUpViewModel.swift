import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// First launch: a person's phone (the PIN typed twice, optionally the code from a clinic card),
/// or a tablet shared by peer educators (the first educator's name and PIN).
@MainActor @Observable
public final class SetUpViewModel {
    public var pin = ""
    public var confirmation = ""
    public var clinicCardCode = ""
    /// Set up a tablet shared by peer educators instead of a person's phone.
    public var sharedTablet = false
    public var educatorName = ""
    public private(set) var message: Message?
    public private(set) var busy = false

    private let corridor: CorridorVault
    private let onDone: @MainActor (ProfileSession) async -> Void

    init(corridor: CorridorVault, onDone: @escaping @MainActor (ProfileSession) async -> Void) {
        self.corridor = corridor
        self.onDone = onDone
    }

    public func setUp() async {
        guard pin == confirmation else {
            message = Message("setup.pinsDiffer")
            return
        }
        busy = true
        defer { busy = false }
        let code = clinicCardCode.trimmingCharacters(in: .whitespaces)
        do {
            let session = sharedTablet
                ? try await corridor.vault.setupEducator(displayName: educatorName, pin: pin)
                : try await corridor.setUpPersonal(pin: pin, existingCode: code.isEmpty ? nil : code)
            pin = ""
            confirmation = ""
            message = nil
            await onDone(session)
        } catch CorridorError.InvalidInput(let field, _) where field == "pin" {
            message = Message("setup.pinInvalid")
        } catch CorridorError.InvalidCode {
            message = Message("error.invalidInput", ["code"])
        } catch {
            message = Message("setup.failed")
        }
    }
}
