import Encoding
import Trie

/// A transaction as recorded: what was submitted, the slot it got and the hash of the transaction
/// before it (the null hash for the first), so every body is unique and the log forms a chain.
///
/// Encoded as a deterministic CBOR map with unsigned keys (RFC 8949 §4.2.1), in the manner of a
/// Cardano transaction body:
///
///     body = { 0: kind, 1: slot, 2: parent (bstr .size 32), * field }
///     kind 0 anchor:  3: operator (tstr), 4: root (bstr .size 32)
///     kind 1 commit:  3: battery id (tstr), 4: user key hash (bstr .size 28), 5: nonce (bstr)
///     kind 2 reading: 3: commitment, 4: challenge (bstr .size 32), 5: battery id, 6: submitter
///                     key hash, 7: operator (tstr), 8: reading (bstr)
///     kind 3 fund:    3: operator, 4: amount (uint)
///     kind 4 settle:  3: operator, 4: root, 5: [* [reading id, 0, reward] / [reading id, 1, reason]]
///
/// The transaction hash is BLAKE2b-256 of these bytes.
struct TransactionBody: Sendable, Hashable {
    var transaction: LedgerTransaction
    var slot: UInt64
    var parent: Hash32

    /// Appends the body's encoding.
    func encode(into writer: inout CBORWriter) {
        func key(_ key: UInt64) { writer.appendHead(.unsigned, key) }
        func text(_ value: String) {
            writer.appendHead(.text, UInt64(value.utf8.count))
            writer.appendRaw(value.utf8)
        }
        func bytes(_ value: [UInt8]) {
            writer.appendHead(.bytes, UInt64(value.count))
            writer.appendRaw(value)
        }
        func header(kind: UInt64, fields: UInt64) {
            writer.appendHead(.map, 3 + fields)
            key(0)
            writer.appendHead(.unsigned, kind)
            key(1)
            writer.appendHead(.unsigned, slot)
            key(2)
            bytes(parent.bytes)
        }
        switch transaction {
        case .anchor(let operatorID, let root):
            header(kind: 0, fields: 2)
            key(3); text(operatorID)
            key(4); bytes(root.bytes)
        case .commit(let batteryID, let userKeyHash, let nonce):
            header(kind: 1, fields: 3)
            key(3); text(batteryID)
            key(4); bytes(userKeyHash.bytes)
            key(5); bytes(nonce)
        case .submitReading(let submission):
            header(kind: 2, fields: 6)
            key(3); bytes(submission.commitment.bytes)
            key(4); bytes(submission.challenge.bytes)
            key(5); text(submission.batteryID)
            key(6); bytes(submission.submitter.bytes)
            key(7); text(submission.operatorID)
            key(8); bytes(submission.reading)
        case .fund(let operatorID, let amount):
            header(kind: 3, fields: 2)
            key(3); text(operatorID)
            key(4); writer.appendHead(.unsigned, amount)
        case .settle(let operatorID, let root, let settlements):
            header(kind: 4, fields: 3)
            key(3); text(operatorID)
            key(4); bytes(root.bytes)
            key(5)
            writer.appendHead(.array, UInt64(settlements.count))
            for settlement in settlements {
                writer.appendHead(.array, 3)
                bytes(settlement.reading.bytes)
                switch settlement.outcome {
                case .incorporated(let reward):
                    writer.appendHead(.unsigned, 0)
                    writer.appendHead(.unsigned, reward)
                case .rejected(let reason):
                    writer.appendHead(.unsigned, 1)
                    text(reason)
                }
            }
        }
    }

    /// The body's encoding.
    var encoded: [UInt8] {
        var writer = CBORWriter(capacity: 160)
        encode(into: &writer)
        return writer.bytes
    }

}

extension TransactionBody {
    /// Reads a body back from its decoded CBOR; any departure from the layout above is `ledger_corrupt`.
    init(decoding item: CBOR) throws(LedgerError) {
        guard let pairs = item.mapValue else { throw .corrupt("a transaction body is not a map") }
        var fields: [UInt64: CBOR] = [:]
        for pair in pairs {
            guard let key = pair.key.uint64Value else { throw .corrupt("a transaction body has a key that is not an unsigned integer") }
            fields[key] = pair.value
        }
        let reader = FieldReader(fields: fields)
        slot = try reader.uint(1)
        parent = try reader.hash(2)
        let kind = try reader.uint(0)
        switch kind {
        case 0:
            try reader.expectKeys(5)
            transaction = .anchor(operator: try reader.text(3), root: try reader.hash(4))
        case 1:
            try reader.expectKeys(6)
            transaction = .commit(batteryID: try reader.text(3), userKeyHash: try reader.keyHash(4), nonce: try reader.bytes(5))
        case 2:
            try reader.expectKeys(9)
            transaction = .submitReading(
                ReadingSubmission(
                    commitment: try reader.hash(3), challenge: try reader.hash(4), batteryID: try reader.text(5),
                    submitter: try reader.keyHash(6), operatorID: try reader.text(7), reading: try reader.bytes(8)))
        case 3:
            try reader.expectKeys(5)
            transaction = .fund(operator: try reader.text(3), amount: try reader.uint(4))
        case 4:
            try reader.expectKeys(6)
            guard let entries = fields[5]?.arrayValue else { throw .corrupt("field 5 of a settle body is not an array") }
            var settlements: [Settlement] = []
            settlements.reserveCapacity(entries.count)
            for entry in entries {
                guard let parts = entry.arrayValue, parts.count == 3, let id = parts[0].bytesValue.flatMap(Hash32.exactly),
                    let tag = parts[1].uint64Value
                else { throw .corrupt("a settlement is not [reading id, outcome, value]") }
                switch (tag, parts[2]) {
                case (0, .unsigned(let reward)): settlements.append(Settlement(reading: id, outcome: .incorporated(reward: reward)))
                case (1, .text(let reason)): settlements.append(Settlement(reading: id, outcome: .rejected(reason: reason)))
                default: throw .corrupt("a settlement has an unknown outcome")
                }
            }
            transaction = .settle(operator: try reader.text(3), root: try reader.hash(4), settlements: settlements)
        default:
            throw .corrupt("unknown transaction kind \(kind)")
        }
    }
}

/// Typed access to a body's fields, each failure `ledger_corrupt`.
private struct FieldReader {
    let fields: [UInt64: CBOR]

    func expectKeys(_ count: Int) throws(LedgerError) {
        guard fields.count == count, fields.keys.allSatisfy({ $0 < UInt64(count) }) else {
            throw .corrupt("a transaction body has keys \(fields.keys.sorted()), expected 0…\(count - 1)")
        }
    }

    func uint(_ key: UInt64) throws(LedgerError) -> UInt64 {
        guard let value = fields[key]?.uint64Value else { throw .corrupt("field \(key) is not an unsigned integer") }
        return value
    }

    func text(_ key: UInt64) throws(LedgerError) -> String {
        guard let value = fields[key]?.textValue else { throw .corrupt("field \(key) is not a text string") }
        return value
    }

    func bytes(_ key: UInt64) throws(LedgerError) -> [UInt8] {
        guard let value = fields[key]?.bytesValue else { throw .corrupt("field \(key) is not a byte string") }
        return value
    }

    func hash(_ key: UInt64) throws(LedgerError) -> Hash32 {
        guard let value = Hash32.exactly(try bytes(key)) else { throw .corrupt("field \(key) is not 32 bytes") }
        return value
    }

    func keyHash(_ key: UInt64) throws(LedgerError) -> KeyHash {
        guard let value = KeyHash(bytes: try bytes(key)) else { throw .corrupt("field \(key) is not a 28-byte key hash") }
        return value
    }
}
