/// The signature algorithms Voltpass keys use.
public enum KeyAlgorithm: String, Sendable, Codable, CaseIterable {
    /// Ed25519 (RFC 8032), 32-byte public keys, 64-byte signatures.
    case ed25519 = "Ed25519"
    /// ECDSA over NIST P-256 with SHA-256; public keys compressed (33 bytes), signatures raw r‖s (64 bytes).
    case p256 = "P-256"
}

/// Something that can sign with one private key, wherever the key lives: in software, an HSM, or a
/// device's secure element. The private key never has to leave it.
public protocol Signer: Sendable {
    /// The algorithm this signer signs with.
    var algorithm: KeyAlgorithm { get }
    /// The raw public key: 32 bytes for Ed25519, 33-byte compressed SEC1 point for P-256.
    var publicKey: [UInt8] { get }
    /// Signs `message`; ECDSA signatures are raw r‖s (64 bytes) over SHA-256 of the message.
    func sign(_ message: [UInt8]) async throws -> [UInt8]
}

extension KeyAlgorithm {
    /// Parses the names people type: `ed25519`, `p256` or `P-256`, in any case.
    public init?(name: String) {
        switch name.lowercased() {
        case "ed25519": self = .ed25519
        case "p256", "p-256": self = .p256
        default: return nil
        }
    }
}
