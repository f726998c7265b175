import CorridorFFI
import CorridorAppModel
import CorridorKit
import Foundation
import XCTest

let PIN = "482916"
let DURESS = "505050"

/// The Keychain's place in the tests: key material in memory, made on first use, destroyed on
/// request, counting how often. Everything around it (DeviceKeyStrengthener, HMAC-SHA256) is
/// the app's own code path.
final class InMemoryDeviceSecret: DeviceSecret, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?
    private(set) var destroyed = 0
    /// How often the key material was asked for (failed attempts included).
    private(set) var reads = 0
    /// A locked phone: the Keychain refuses the item (errSecInteractionNotAllowed on iOS).
    var failing = false

    var exists: Bool { lock.withLock { stored != nil } }

    func key() throws -> Data {
        try lock.withLock {
            reads += 1
            if failing { throw CocoaError(.fileReadNoPermission) }
            if let stored { return stored }
            var fresh = Data(count: 32)
            for index in fresh.indices { fresh[index] = UInt8.random(in: 0...255) }
            stored = fresh
            return fresh
        }
    }

    func destroy() throws {
        lock.withLock {
            stored = nil
            destroyed += 1
        }
    }
}

/// The app's strengthener over in-memory secrets: `lockedUse` for the core's device-bound inputs,
/// `unlockedOnly` for every other (PIN) input.
func deviceStrengthener(
    lockedUse: InMemoryDeviceSecret = InMemoryDeviceSecret(),
    unlockedOnly: InMemoryDeviceSecret = InMemoryDeviceSecret()
) -> DeviceKeyStrengthener {
    DeviceKeyStrengthener(lockedUseSecret: lockedUse, unlockedOnlySecret: unlockedOnly, authenticate: hmacSHA256)
}

/// A fresh, empty directory for one test, removed by the test's tear-down.
func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("corridor-\(name)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// What scripts/test-ios.sh set up: a real hub on loopback serving the starter content.
enum TestEnvironment {
    /// Not a skip: a test run without its hub fails, so that it cannot pass by doing nothing.
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "\(name) is not set: run scripts/test-ios.sh" }
    }

    static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(name: name)
        }
        return value
    }

    static var hubURL: String { get throws { try value("CORRIDOR_TEST_HUB") } }

    static var shippedRoot: Data {
        get throws { try Data(contentsOf: URL(fileURLWithPath: try value("CORRIDOR_TEST_CONTENT_ROOT"))) }
    }

    static var appDirectory: URL {
        get throws { URL(fileURLWithPath: try value("CORRIDOR_TEST_IOS_DIR")) }
    }

    static var configuration: AppConfiguration {
        get throws { AppConfiguration(hubURL: try hubURL, shippedContentRoot: try shippedRoot) }
    }
}

let english = NumberFormat(decimalSeparator: ".", groupingSeparator: ",")
