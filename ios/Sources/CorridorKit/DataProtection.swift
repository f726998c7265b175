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

    /// Sets the class of the data directory and of everything already in it, `profiles/`
    /// included (files the core makes later inherit their directory's class). Best effort, file
    /// by file: each file's class is read first and set only when it differs (a class-B profile
    /// cannot be changed while the phone is locked, and need not be), and a file that fails does
    /// not stop the others. Never throws: the vault must open anyway (the background refresh
    /// needs only the class-C device store). Returns the relative paths whose class could not be
    /// read or set; the app tries again later (`CorridorVault.applyDataProtection`).
    @discardableResult
    public static func apply(to dataDirectory: URL, using files: ProtectionAttributes) -> [String] {
        var failed: [String] = []
        for relative in entries(under: dataDirectory) {
            let url = relative.isEmpty ? dataDirectory : dataDirectory.appendingPathComponent(relative)
            let wanted = protectionClass(forRelativePath: relative)
            do {
                if try files.protectionClass(of: url) != wanted {
                    try files.setProtectionClass(wanted, of: url)
                }
            } catch {
                failed.append(relative)
            }
        }
        // Nothing of the data directory goes to iCloud or computer backups: a backup is made
        // only through the recovery kit, encrypted by the core.
        do {
            try files.excludeFromBackup(dataDirectory)
        } catch {
            failed.append("")
        }
        return failed
    }
}

/// Reads and sets data protection classes: the file system on iOS (`FileProtection`), a
/// recording fake in the Linux tests (Linux has no data protection).
public protocol ProtectionAttributes: Sendable {
    /// The class a file has now; nil when it has none of the two this app uses.
    func protectionClass(of url: URL) throws -> ProtectionClass?
    func setProtectionClass(_ protectionClass: ProtectionClass, of url: URL) throws
    func excludeFromBackup(_ directory: URL) throws
}

/// The data directory of the app under Application Support. Its name is neutral: it is visible
/// in a file-system copy of the phone.
public enum DataDirectory {
    public static let name = "state"

    /// The data directory under `support`. When it is missing this is the first launch of this
    /// installation: `firstLaunch` runs first (the app deletes Keychain items an earlier
    /// installation left behind: iOS keeps them after the app is deleted), then the directory is
    /// made. With `create` false (the background refresh) a missing directory gives nil and
    /// nothing is run or made.
    public static func locate(in support: URL, create: Bool, firstLaunch: () -> Void) throws -> URL? {
        let directory = support.appendingPathComponent(name, isDirectory: true)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CocoaError(.fileWriteFileExists) }
            return directory
        }
        guard create else { return nil }
        firstLaunch()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}

#if os(iOS)
/// The file system's data protection classes.
public struct FileProtection: ProtectionAttributes {
    public init() {}

    public func protectionClass(of url: URL) throws -> ProtectionClass? {
        let type = try FileManager.default.attributesOfItem(atPath: url.path)[.protectionKey] as? FileProtectionType
        switch type {
        case .completeUnlessOpen?: return .completeUnlessOpen
        case .completeUntilFirstUserAuthentication?: return .completeUntilFirstUserAuthentication
        default: return nil
        }
    }

    public func setProtectionClass(_ protectionClass: ProtectionClass, of url: URL) throws {
        let type: FileProtectionType
        switch protectionClass {
        case .completeUnlessOpen: type = .completeUnlessOpen
        case .completeUntilFirstUserAuthentication: type = .completeUntilFirstUserAuthentication
        }
        try FileManager.default.setAttributes([.protectionKey: type], ofItemAtPath: url.path)
    }

    public func excludeFromBackup(_ directory: URL) throws {
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        var directory = directory
        try directory.setResourceValues(values)
    }
}
#endif
