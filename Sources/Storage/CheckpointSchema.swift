import Foundation
import Passport
import Trie

/// The table of the operators' signed anchor checkpoints: one row per checkpoint, numbered per
/// operator from 1 without gaps (the primary key refuses a number taken by another instance). Hashes
/// and signatures are bytes; `issued_at` is integer microseconds since the Unix epoch, like every date.
enum CheckpointSchema {
    static let name = "signed anchor checkpoints"

    static let sqlite = [
        """
        CREATE TABLE anchor_checkpoints (
            operator_id TEXT NOT NULL REFERENCES passport_operators (id),
            sequence INTEGER NOT NULL CHECK (sequence > 0),
            root BLOB NOT NULL,
            transaction_hash BLOB NOT NULL,
            slot INTEGER NOT NULL,
            issued_at INTEGER NOT NULL,
            verification_method TEXT NOT NULL,
            signature BLOB NOT NULL,
            PRIMARY KEY (operator_id, sequence)
        ) STRICT, WITHOUT ROWID
        """
    ]

    static let postgres = [
        """
        CREATE TABLE anchor_checkpoints (
            operator_id TEXT NOT NULL REFERENCES passport_operators (id),
            sequence BIGINT NOT NULL CHECK (sequence > 0),
            root BYTEA NOT NULL,
            transaction_hash BYTEA NOT NULL,
            slot BIGINT NOT NULL,
            issued_at BIGINT NOT NULL,
            verification_method TEXT NOT NULL,
            signature BYTEA NOT NULL,
            PRIMARY KEY (operator_id, sequence)
        )
        """
    ]

    /// The stored form of a checkpoint's numbers (SQL integers are signed 64-bit).
    static func integer(_ value: UInt64, field: String) throws -> Int64 {
        guard let integer = Int64(exactly: value) else { throw StorageError.invalidValue("\(field) \(value) cannot be stored") }
        return integer
    }

    /// A checkpoint from its stored columns; a hash that is not 32 bytes or a negative number is `storage_corrupt`.
    static func checkpoint(
        operatorID: String, sequence: Int64, root: [UInt8], transaction: [UInt8], slot: Int64, issuedAt: Int64, verificationMethod: String,
        signature: [UInt8]
    ) throws -> AnchorCheckpoint {
        guard let rootHash = Hash32(bytes: root), let transactionHash = Hash32(bytes: transaction), sequence > 0, slot >= 0 else {
            throw StorageError.corrupt("the checkpoint \(sequence) of '\(operatorID)' has a malformed hash or number")
        }
        return AnchorCheckpoint(
            operatorID: operatorID, sequence: UInt64(sequence), root: rootHash, transaction: transactionHash, slot: UInt64(slot),
            issuedAt: StoredValues.date(microseconds: issuedAt), verificationMethod: verificationMethod, signature: signature)
    }
}
