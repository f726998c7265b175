import CorridorFFI
import CorridorKit
import Foundation
import Observation

/// The calculator disguise: a working calculator (the core's, key for key). A PIN typed as a
/// number followed by `=` opens the app; anything else is just arithmetic. The display is drawn
/// at once from the core's answer; an unlock attempt is awaited in the background and nothing on
/// screen differs whether it opens something or not.
@MainActor @Observable
public final class CalculatorViewModel {
    public enum Style: Sendable { case digit, operation, function }

    public struct Button: Identifiable, Equatable, Sendable {
        public let id: String
        public let label: String
        public let key: CalculatorKey
        public let style: Style
        /// The zero key is twice as wide, as on the iPhone.
        public let wide: Bool
    }

    public private(set) var display: String
    /// "AC" or "C", as the clear key shows it now.
    public private(set) var clearLabel = "AC"
    public let rows: [[Button]]

    private let disguise: Disguise
    private let onUnlock: @MainActor (ProfileSession) -> Void
    private var attempts: [Task<Void, Never>] = []

    public init(vault: Vault, format: NumberFormat, onUnlock: @escaping @MainActor (ProfileSession) -> Void) throws {
        disguise = try Disguise(vault: vault, format: format)
        display = disguise.display()
        self.onUnlock = onUnlock
        func digit(_ value: UInt8) -> Button {
            Button(id: "\(value)", label: "\(value)", key: .digit(value: value), style: .digit, wide: value == 0)
        }
        func operation(_ id: String, _ label: String, _ key: CalculatorKey) -> Button {
            Button(id: id, label: label, key: key, style: .operation, wide: false)
        }
        func function(_ id: String, _ label: String, _ key: CalculatorKey) -> Button {
            Button(id: id, label: label, key: key, style: .function, wide: false)
        }
        rows = [
            [function("clear", "AC", .clear), function("negate", "+/−", .negate),
             function("percent", "%", .percent), operation("divide", "÷", .divide)],
            [digit(7), digit(8), digit(9), operation("multiply", "×", .multiply)],
            [digit(4), digit(5), digit(6), operation("subtract", "−", .subtract)],
            [digit(1), digit(2), digit(3), operation("add", "+", .add)],
            [digit(0), Button(id: "point", label: format.decimalSeparator, key: .point, style: .digit, wide: false),
             operation("equals", "=", .equals)],
        ]
    }

    /// A calculator for when the data directory cannot be opened (a damaged installation, files
    /// not readable yet): the core's calculator over an empty vault in a fresh temporary
    /// directory, with a device key that exists only in memory. It calculates; a PIN opens
    /// nothing, as on a phone never set up.
    public static func calculatorOnly(format: NumberFormat, authenticate: @escaping MessageAuthenticator) throws -> CalculatorViewModel {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let corridor = try CorridorVault.open(
            at: directory,
            strengthener: DeviceKeyStrengthener(
                lockedUseSecret: EphemeralDeviceSecret(), unlockedOnlySecret: EphemeralDeviceSecret(),
                authenticate: authenticate
            ),
            protection: nil
        )
        return try CalculatorViewModel(vault: corridor.vault, format: format) { _ in }
    }

    /// The label a button shows now (the clear key changes between AC and C).
    public func label(of button: Button) -> String {
        button.key == .clear ? clearLabel : button.label
    }

    public func press(_ key: CalculatorKey) {
        guard let result = try? disguise.press(key: key) else { return }
        show(result)
    }

    /// A hardware keyboard key (`0-9 . + - * / % = C < ~`); other characters are ignored.
    public func press(character: String) {
        guard let result = try? disguise.pressChar(key: character) else { return }
        show(result)
    }

    /// Swiping on the display deletes the last digit, as on the iPhone.
    public func backspace() {
        press(.backspace)
    }

    /// Waits for the unlock attempts started so far (for tests; the view never waits).
    public func settle() async {
        let pending = attempts
        attempts.removeAll()
        for attempt in pending { await attempt.value }
    }

    private func show(_ result: KeyPressResult) {
        display = result.display
        clearLabel = result.clearLabel == .allClear ? "AC" : "C"
        guard let attempt = result.attempt else { return }
        let onUnlock = self.onUnlock
        attempts.append(Task { @MainActor in
            if let session = await attempt.outcome() { onUnlock(session) }
        })
    }
}
