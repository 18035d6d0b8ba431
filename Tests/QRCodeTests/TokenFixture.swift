import Foundation
import VectorSupport

/// A plate token of the size a CWT (COSE_Sign1 with serial, operator and an Ed25519 signature)
/// has in a Digital Link URL: 112 bytes, 150 base64url characters.
enum TokenFixture {
    static let token: String = {
        var random = SeededRandom(seed: 8392)
        return Data(random.bytes(count: 112)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }()
}
