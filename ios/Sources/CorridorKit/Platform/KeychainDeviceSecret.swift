#if canImport(Security)
import Foundation
import Security

/// A generic-password Keychain item readable after the first unlock since boot and never
/// leaving this device: not synchronised to iCloud, not in backups restored elsewhere
/// (kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly). No access control list, in particular
/// no application password and no user presence: reading it must never prompt, and must work
/// while the phone is locked so that the background refresh can open the device store.
struct KeychainItem: Sendable {
    let service: String
    let account: String

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
        item[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
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

    public init(service: String = "org.corridor.device", account: String = "strengthener-secret") {
        item = KeychainItem(service: service, account: account)
    }

    public var exists: Bool { (try? item.read()) != nil }

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
#endif
