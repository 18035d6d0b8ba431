/// The signature algorithms Voltpass keys use.
public enum KeyAlgorithm: String, Sendable, Codable, CaseIterable {
    /// Ed25519 (RFC 8032), 32-byte public keys, 64-byte signatures.
    case ed25519 = "Ed25519"
    /// ECDSA over NIST P-256 with SHA-256; public keys compressed (33 bytes), signatures raw r‖s (64 bytes).
    case p256 = "P-256"
    /// ECDSA over NIST P-384 with SHA-384; public keys compressed (49 bytes), signatures raw r‖s (96 bytes).
    case p384 = "P-384"
}

/// Something that can sign with one private key, wherever the key lives: in software, an HSM, or a
/// device's secure element. The private key never has to leave it.
public protocol Signer: Sendable {
    /// The algorithm this signer signs with.
    var algorithm: KeyAlgorithm { get }
    /// The raw public key: 32 bytes for Ed25519, the compressed SEC1 point for P-256 (33) and P-384 (49).
    var publicKey: [UInt8] { get }
    /// Signs `message`; ECDSA signatures are raw r‖s over the curve's hash of the message (SHA-256 and
    /// 64 bytes for P-256, SHA-384 and 96 bytes for P-384).
    func sign(_ message: [UInt8]) async throws -> [UInt8]
}

extension KeyAlgorithm {
    /// Parses the names people type: `ed25519`, `p256`, `P-256`, `p384` or `P-384`, in any case.
    public init?(name: String) {
        switch name.lowercased() {
        case "ed25519": self = .ed25519
        case "p256", "p-256": self = .p256
        case "p384", "p-384": self = .p384
        default: return nil
        }
    }

    /// The length of a signature: 64 bytes, or 96 for P-384.
    public var signatureLength: Int { self == .p384 ? 96 : 64 }
}
