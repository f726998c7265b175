import CorridorFFI
import Foundation

/// The programme's settings shipped in the app: Info.plist's `SyncServerURL`,
/// `SyncServerKeyPins` (SHA-256 SPKI pins separated by commas) and `SyncContentPath` (the
/// content repository's path on the hub), and the content root the app ships
/// (`content-root.json`, the repository's `root/1.json`), which the device trusts first.
public struct AppConfiguration: Equatable, Sendable {
    public let hubURL: String?
    public let pinnedKeySha256: [String]
    public let contentPath: String
    public let shippedContentRoot: Data?

    public init(
        hubURL: String?, pinnedKeySha256: [String] = [], contentPath: String = "v1/content/repo/",
        shippedContentRoot: Data? = nil
    ) {
        self.hubURL = hubURL
        self.pinnedKeySha256 = pinnedKeySha256
        self.contentPath = contentPath
        self.shippedContentRoot = shippedContentRoot
    }

    public init(infoDictionary: [String: Any], shippedContentRoot: Data?) {
        self.shippedContentRoot = shippedContentRoot
        let url = (infoDictionary["SyncServerURL"] as? String)?.trimmingCharacters(in: .whitespaces)
        hubURL = url?.isEmpty == false ? url : nil
        pinnedKeySha256 = ((infoDictionary["SyncServerKeyPins"] as? String) ?? "")
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        contentPath = (infoDictionary["SyncContentPath"] as? String) ?? "v1/content/repo/"
    }

    /// The hub for reports and the outbox; nil when the build names none. The core refuses a
    /// URL that is not https (or http to this device) with `InvalidInput`.
    public func hub() throws -> Hub? {
        guard let hubURL else { return nil }
        return try Hub(settings: HubSettings(url: hubURL, pinnedKeySha256: pinnedKeySha256, extraRootCertificates: []))
    }

    /// The content repository on the hub.
    public func contentRepository() throws -> Hub? {
        guard let hubURL else { return nil }
        let base = hubURL.hasSuffix("/") ? hubURL : hubURL + "/"
        return try Hub(settings: HubSettings(
            url: base + contentPath, pinnedKeySha256: pinnedKeySha256, extraRootCertificates: []
        ))
    }
}
