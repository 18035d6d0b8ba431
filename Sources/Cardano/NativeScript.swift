import Encoding

/// A native (timelock) script: the ledger's own rules on signatures and time, checked in phase one
/// without Plutus. Its hash (BLAKE2b-224 of 0x00 ‖ its CBOR) is a policy id or a payment credential.
public indirect enum NativeScript: Sendable, Hashable {
    /// The key with this hash (28 bytes) signs the transaction.
    case signature([UInt8])
    case all([NativeScript])
    case any([NativeScript])
    case atLeast(Int, [NativeScript])
    /// The transaction's validity starts at this slot or later (`invalid_before`).
    case notBefore(UInt64)
    /// The transaction's validity ends at this slot or earlier (`invalid_hereafter`).
    case before(UInt64)

    /// `[0, keyhash] / [1, [scripts]] / [2, [scripts]] / [3, n, [scripts]] / [4, slot] / [5, slot]`.
    public var cbor: CBOR {
        switch self {
        case .signature(let hash): .array([.unsigned(0), .bytes(hash)])
        case .all(let scripts): .array([.unsigned(1), .array(scripts.map(\.cbor))])
        case .any(let scripts): .array([.unsigned(2), .array(scripts.map(\.cbor))])
        case .atLeast(let count, let scripts): .array([.unsigned(3), .unsigned(UInt64(max(count, 0))), .array(scripts.map(\.cbor))])
        case .notBefore(let slot): .array([.unsigned(4), .unsigned(slot)])
        case .before(let slot): .array([.unsigned(5), .unsigned(slot)])
        }
    }

    /// The script's hash: its policy id when it governs minting.
    public var hash: [UInt8] { Blake2b.hash224([0] + ((try? cbor.encode()) ?? [])) }

    /// Reads a script; nesting deeper than 64 levels is refused.
    public init(cbor: CBOR, depth: Int = 0) throws(CardanoError) {
        guard depth < 64, let fields = cbor.arrayValue, let tag = fields.first?.uint64Value else {
            throw CardanoError(.invalidWitnessSet, "a native script is [tag, …], nested at most 64 deep")
        }
        func scripts(_ item: CBOR) throws(CardanoError) -> [NativeScript] {
            guard let items = item.arrayValue else { throw CardanoError(.invalidWitnessSet, "native script members are a list") }
            var result: [NativeScript] = []
            for item in items { result.append(try NativeScript(cbor: item, depth: depth + 1)) }
            return result
        }
        switch (tag, fields.count) {
        case (0, 2):
            guard let hash = fields[1].bytesValue, hash.count == 28 else { throw CardanoError(.invalidLength, "a key hash has 28 bytes") }
            self = .signature(hash)
        case (1, 2): self = .all(try scripts(fields[1]))
        case (2, 2): self = .any(try scripts(fields[1]))
        case (3, 3):
            guard let count = fields[1].uint64Value, count <= Int.max else { throw CardanoError(.invalidWitnessSet, "n of k needs n") }
            self = .atLeast(Int(count), try scripts(fields[2]))
        case (4, 2), (5, 2):
            guard let slot = fields[1].uint64Value else { throw CardanoError(.invalidWitnessSet, "a time lock needs a slot") }
            self = tag == 4 ? .notBefore(slot) : .before(slot)
        default:
            throw CardanoError(.invalidWitnessSet, "native script tag \(tag) with \(fields.count) fields")
        }
    }

    /// Whether a transaction signed by the keys `signers` (their hashes), valid from `validFrom` to
    /// `validUntil` (slots, nil when open), satisfies the script.
    public func isSatisfied(signers: Set<[UInt8]>, validFrom: UInt64?, validUntil: UInt64?) -> Bool {
        switch self {
        case .signature(let hash): signers.contains(hash)
        case .all(let scripts): scripts.allSatisfy { $0.isSatisfied(signers: signers, validFrom: validFrom, validUntil: validUntil) }
        case .any(let scripts): scripts.contains { $0.isSatisfied(signers: signers, validFrom: validFrom, validUntil: validUntil) }
        case .atLeast(let count, let scripts):
            scripts.filter { $0.isSatisfied(signers: signers, validFrom: validFrom, validUntil: validUntil) }.count >= count
        case .notBefore(let slot): validFrom.map { $0 >= slot } ?? false
        case .before(let slot): validUntil.map { $0 <= slot } ?? false
        }
    }
}
