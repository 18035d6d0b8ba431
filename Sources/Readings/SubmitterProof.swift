import Encoding
import Identity

/// What a reading's submitter signs with their own key, as a transaction signer would on a chain:
/// the submission of a reading against a commitment, or the hand-over of the reading right. Each
/// message is the deterministic CBOR array of a context string and its fields, so one can never pass
/// for the other.
public enum SubmitterProof {
    /// The message signed to submit `reading` against the commitment `challenge`.
    public static func submissionMessage(challenge: [UInt8], reading: [UInt8]) -> [UInt8] {
        encode([.text("voltpass/reading-submission/v1"), .bytes(challenge), .bytes(reading)])
    }

    /// The message the current reader signs to hand the reading right of `batteryID` to `newReader`
    /// (a key hash), bound to a single-use `challenge`.
    public static func readerTransferMessage(batteryID: String, newReader: [UInt8], challenge: String) -> [UInt8] {
        encode([.text("voltpass/reader-transfer/v1"), .text(batteryID), .bytes(newReader), .text(challenge)])
    }

    /// The key hash of a user's public key: BLAKE2b-224 of its raw bytes, as Cardano's payment key hash.
    public static func keyHash(_ key: PublicKey) -> [UInt8] {
        Blake2b.hash224(key.rawRepresentation)
    }

    private static func encode(_ items: [CBOR]) -> [UInt8] {
        (try? CBOR.array(items).encode()) ?? []
    }
}
