#if canImport(Security)
import Foundation
import Security

/// When a device secret can be read. Both never leave this device: not synchronised to iCloud,
/// not in backups restored elsewhere.
public enum DeviceSecretAvailability: Sendable {
    /// After the first unlock since boot (kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly): for
    /// the device store, which the background refresh opens while the phone is locked.
    case afterFirstUnlock
    /// Only while the phone is unlocked (kSecAttrAccessibleWhenUnlockedThisDeviceOnly): for the
    /// PIN-wrapping keys, which are derived only when a PIN is typed.
    case whenUnlocked

    var attribute: CFString {
        switch self {
        case .afterFirstUnlock: return kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        case .whenUnlocked: return kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        }
    }
}

/// The Keychain service of every item the app keeps (a neutral name: it is visible to anyone who
/// lists the Keychain of a jailbroken or forensically imaged phone).
public let keychainService = "net.simplecalc.app.keys"

/// A generic-password Keychain item that never leaves this device, readable as `availability`
/// says. No access control list, in particular no application password and no user presence:
/// reading it must never prompt (the PIN is checked by the core, never by the Keychain).
struct KeychainItem: Sendable {
    let service: String
    let account: String
    var availability: DeviceSecretAvailability = .afterFirstUnlock

    struct Failure: Error {
        let status: OSStatus
    }

    private var query: [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrSynchronizable as String: false,
        ]
    }

    /// Whether the item exists. An item that cannot be read now (an unlocked-only item while the
    /// phone is locked) counts as existing: a secret is never chosen or made anew on a guess.
    var isPresent: Bool {
        do { return try read() != nil } catch { return true }
    }

    func read() throws -> Data? {
        var search = query
        search[kSecReturnData as String] = true
        search[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(search as CFDictionary, &result)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = result as? Data else { throw Failure(status: status) }
        return data
    }

    /// Adds the item; fails if it exists (a secret is never silently replaced).
    func add(_ data: Data) throws {
        var item = query
        item[kSecValueData as String] = data
        item[kSecAttrAccessible as String] = availability.attribute
        let status = SecItemAdd(item as CFDictionary, nil)
        guard status == errSecSuccess else { throw Failure(status: status) }
    }

    func delete() throws {
        let status = SecItemDelete(query as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw Failure(status: status) }
    }
}

/// A random 32-byte secret in a this-device-only Keychain item: for devices without a Secure
/// Enclave (and the Simulator).
public struct KeychainDeviceSecret: DeviceSecret {
    let item: KeychainItem

    public init(availability: DeviceSecretAvailability, service: String = keychainService) {
        let account = availability == .afterFirstUnlock ? "secret-a" : "secret-b"
        item = KeychainItem(service: service, account: account, availability: availability)
    }

    public var exists: Bool { item.isPresent }

    public func key() throws -> Data {
        if let stored = try item.read() { return stored }
        var fresh = Data(count: 32)
        let status = fresh.withUnsafeMutableBytes { SecRandomCopyBytes(kSecRandomDefault, 32, $0.baseAddress!) }
        guard status == errSecSuccess else { throw KeychainItem.Failure(status: status) }
        try item.add(fresh)
        return fresh
    }

    public func destroy() throws {
        try item.delete()
    }
}
/// Deletes every Keychain item of the app's service. iOS keeps Keychain items after the app is
/// deleted: a first launch (no data directory) calls this so that nothing of an earlier
/// installation survives, and no earlier key is reused.
public func deleteLeftoverKeychainItems(service: String = keychainService) {
    let query: [String: Any] = [
        kSecClass as String: kSecClassGenericPassword,
        kSecAttrService as String: service,
    ]
    _ = SecItemDelete(query as CFDictionary)
}
#endif
