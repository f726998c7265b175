#if canImport(CryptoKit) && canImport(Security)
import CryptoKit
import Foundation
import Security

/// A secret derived by ECDH between a Secure Enclave P-256 key and a fixed peer public key.
///
/// The Secure Enclave has no HMAC, so the strengthener's key is the ECDH shared secret of the
/// enclave's private key (which never leaves the enclave) with a peer public key made once at
/// set-up (its private half is thrown away), stretched by HKDF. A copy of the app's files and
/// Keychain is useless on any other device. The enclave key's access control allows private-key
/// use after the first unlock, this device only, with no user presence and no application
/// password (.privateKeyUsage), and either after the first unlock or only while unlocked
/// (kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly or …WhenUnlockedThisDeviceOnly, see
/// `DeviceSecretAvailability`): the app keeps one of each.
///
/// Stored in the Keychain (this device only): the enclave key's opaque handle (usable only by
/// this device's enclave) and the peer public key.
public struct SecureEnclaveDeviceSecret: DeviceSecret {
    let enclaveKey: KeychainItem
    let peerKey: KeychainItem
    let availability: DeviceSecretAvailability

    public init(availability: DeviceSecretAvailability, service: String = keychainService) {
        let suffix = availability == .afterFirstUnlock ? "a" : "b"
        self.availability = availability
        enclaveKey = KeychainItem(service: service, account: "key-\(suffix)", availability: availability)
        peerKey = KeychainItem(service: service, account: "peer-\(suffix)", availability: availability)
    }

    public static var isAvailable: Bool { SecureEnclave.isAvailable }

    public var exists: Bool { enclaveKey.isPresent }

    struct Failure: Error {}

    public func key() throws -> Data {
        let privateKey: SecureEnclave.P256.KeyAgreement.PrivateKey
        let peer: P256.KeyAgreement.PublicKey
        if let handle = try enclaveKey.read(), let peerBytes = try peerKey.read() {
            privateKey = try SecureEnclave.P256.KeyAgreement.PrivateKey(dataRepresentation: handle)
            peer = try P256.KeyAgreement.PublicKey(rawRepresentation: peerBytes)
        } else {
            var error: Unmanaged<CFError>?
            guard let access = SecAccessControlCreateWithFlags(
                nil, availability.attribute, .privateKeyUsage, &error
            ) else { throw Failure() }
            privateKey = try SecureEnclave.P256.KeyAgreement.PrivateKey(accessControl: access)
            peer = P256.KeyAgreement.PrivateKey().publicKey
            // Half-made state (a handle without its peer) is cleared first.
            try enclaveKey.delete()
            try peerKey.delete()
            try peerKey.add(peer.rawRepresentation)
            try enclaveKey.add(privateKey.dataRepresentation)
        }
        let shared = try privateKey.sharedSecretFromKeyAgreement(with: peer)
        let key = shared.hkdfDerivedSymmetricKey(
            using: SHA256.self,
            salt: Data("device key".utf8),
            sharedInfo: Data("key strengthener v1".utf8),
            outputByteCount: 32
        )
        return key.withUnsafeBytes { Data($0) }
    }

    public func destroy() throws {
        // Deleting the handle destroys the enclave key for good: the enclave keeps no copy.
        try enclaveKey.delete()
        try peerKey.delete()
    }
}

extension DeviceKeyStrengthener {
    /// The strengthener of this device: two secrets, the locked-use one for the core's
    /// device-bound inputs and the unlocked-only one for PIN inputs. Each keeps the kind it
    /// started with (switching would change every derived key and lock the person out),
    /// preferring the Secure Enclave.
    public static func forThisDevice() -> DeviceKeyStrengthener {
        DeviceKeyStrengthener(
            lockedUseSecret: secret(.afterFirstUnlock),
            unlockedOnlySecret: secret(.whenUnlocked),
            authenticate: hmacSHA256
        )
    }

    /// HMAC-SHA256 by CryptoKit.
    public static let hmacSHA256: MessageAuthenticator = { key, message in
        Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    private static func secret(_ availability: DeviceSecretAvailability) -> DeviceSecret {
        let enclave = SecureEnclaveDeviceSecret(availability: availability)
        let keychain = KeychainDeviceSecret(availability: availability)
        if enclave.exists { return enclave }
        if keychain.exists || !SecureEnclaveDeviceSecret.isAvailable { return keychain }
        return enclave
    }
}
#endif
