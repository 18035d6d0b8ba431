import Crypto
import Encoding
import Foundation

/// An Ed25519 payment signing key, as cardano-cli writes it in a text envelope:
/// `{"type": "PaymentSigningKeyShelley_ed25519", "description": …, "cborHex": "5820<32-byte seed>"}`.
public struct PaymentKey: Sendable {
    /// The Ed25519 key.
    public let privateKey: Curve25519.Signing.PrivateKey

    /// The text-envelope type of a payment signing key.
    public static let envelopeType = "PaymentSigningKeyShelley_ed25519"

    /// A key from its 32-byte seed.
    public init(seed: [UInt8]) throws(CardanoError) {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw CardanoError(.invalidLength, "an Ed25519 seed has 32 bytes")
        }
        privateKey = key
    }

    /// A key from a cardano-cli text envelope (`cardano_text_envelope_invalid` on another type or bad cborHex).
    public init(textEnvelope json: [UInt8]) throws(CardanoError) {
        let object: JSONValue
        do { object = try JSONValue(parsing: json) } catch {
            throw CardanoError(.invalidTextEnvelope, "not JSON: \(error.description)")
        }
        guard object["type"]?.stringValue == Self.envelopeType else {
            throw CardanoError(.invalidTextEnvelope, "type must be \(Self.envelopeType)")
        }
        guard let hex = object["cborHex"]?.stringValue, let cbor = try? Hex.decode(hex),
            let seed = try? CBOR.decode(cbor).bytesValue, seed.count == 32
        else { throw CardanoError(.invalidTextEnvelope, "cborHex must be a CBOR byte string of 32 bytes (5820…)") }
        try self.init(seed: seed)
    }

    /// The text envelope cardano-cli would write for this key.
    public func textEnvelope(description: String = "Payment Signing Key") -> String {
        let seed = Hex.encode([0x58, 0x20] + Array(privateKey.rawRepresentation))
        let description = description.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "{\n    \"type\": \"\(Self.envelopeType)\",\n    \"description\": \"\(description)\",\n    \"cborHex\": \"\(seed)\"\n}\n"
    }

    /// The 32-byte verification key.
    public var verificationKey: [UInt8] { Array(privateKey.publicKey.rawRepresentation) }

    /// The key hash: BLAKE2b-224 of the verification key.
    public var keyHash: [UInt8] { Blake2b.hash224(verificationKey) }

    /// The enterprise address paying to this key.
    public func enterpriseAddress(network: CardanoNetwork) -> EnterpriseAddress {
        EnterpriseAddress(trusted: .keyHash(keyHash), network: network)
    }

    /// A vkey witness for the transaction `id`.
    public func witness(for id: TransactionID) throws(CardanoError) -> VKeyWitness {
        try VKeyWitness(signing: id, with: privateKey)
    }
}
