import Foundation

/// The iOS data protection class of each file in the data directory (docs/ios.md says why).
public enum ProtectionClass: String, Sendable {
    /// Class B: unreadable while the phone is locked unless already open; new files can still be
    /// created. For the profile databases, which only an unlocked profile (the PIN typed on an
    /// unlocked phone) opens: a profile still open when the phone locks can finish its writes.
    case completeUnlessOpen
    /// Class C: readable from the first unlock after boot. For what must work while the phone is
    /// locked: the device store (the sealed outbox drained by the background refresh, the locked
    /// notification plan, the installed content, the hub token), the key slots and the attempt
    /// counter (read before the PIN is checked), the markers and locks.
    case completeUntilFirstUserAuthentication
}

public enum DataProtectionPolicy {
    /// The subdirectory holding one SQLCipher database per profile (with its -wal and -shm).
    public static let profilesDirectory = "profiles"

    /// The class of a path relative to the data directory.
    public static func protectionClass(forRelativePath path: String) -> ProtectionClass {
        let first = path.split(separator: "/", omittingEmptySubsequences: true).first.map(String.init)
        return first == profilesDirectory ? .completeUnlessOpen : .completeUntilFirstUserAuthentication
    }

    /// Every existing file and directory under `dataDirectory` (itself included, as ""), relative.
    public static func entries(under dataDirectory: URL) -> [String] {
        var paths = [""]
        let base = dataDirectory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return paths }
        while let relative = walker.nextObject() as? String {
            paths.append(relative)
        }
        return paths.sorted()
    }

    #if os(iOS)
    /// Sets the class of the data directory and of everything already in it, `profiles/`
    /// included (files the core makes later inherit their directory's class). Call at launch,
    /// before the vault is opened, and again after set-up (which makes `profiles/`).
    public static func apply(to dataDirectory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        for relative in entries(under: dataDirectory) {
            let url = relative.isEmpty ? dataDirectory : dataDirectory.appendingPathComponent(relative)
            let type: FileProtectionType
            switch protectionClass(forRelativePath: relative) {
            case .completeUnlessOpen: type = .completeUnlessOpen
            case .completeUntilFirstUserAuthentication: type = .completeUntilFirstUserAuthentication
            }
            try manager.setAttributes([.protectionKey: type], ofItemAtPath: url.path)
        }
        // Nothing of the data directory goes to iCloud or computer backups: a backup is made
        // only through the recovery kit, encrypted by the core.
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        var directory = dataDirectory
        try directory.setResourceValues(values)
    }
    #endif
}
