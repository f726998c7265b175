import CLibcrypto
import Foundation

/// HMAC-SHA256 through libcrypto: what CryptoKit's `HMAC<SHA256>` gives the app on iOS.
@Sendable
func hmacSHA256(key: Data, message: Data) -> Data {
    var output = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    key.withUnsafeBytes { keyBytes in
        message.withUnsafeBytes { messageBytes in
            _ = HMAC(
                EVP_sha256(), keyBytes.baseAddress, Int32(key.count),
                messageBytes.bindMemory(to: UInt8.self).baseAddress, message.count, &output, &length
            )
        }
    }
    precondition(length == 32, "HMAC-SHA256 failed")
    return Data(output)
}
