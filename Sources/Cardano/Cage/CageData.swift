import Crypto
import Encoding
import Trie

/// The datums and redeemers of the MPFS cage, version 2 (cardano-mpfs-onchain's `state` and `request`
/// validators, Plutus V3), as Plutus data. The byte layout is in `docs/cardano.md`; every type reads
/// back what it writes and what the deployed cage writes.
public enum Cage {
    /// A cage token's asset name: SHA-256 of the seed input's transaction id and its index as two
    /// big-endian bytes; the seed is spent when the token is minted, so no two tokens share a name.
    public struct TokenID: Sendable, Hashable {
        public let assetName: [UInt8]

        public init(assetName: [UInt8]) throws(CardanoError) {
            guard assetName.count == 32 else { throw CardanoError(.invalidLength, "a cage token name has 32 bytes, not \(assetName.count)") }
            self.assetName = assetName
        }

        /// The name of the token minted by spending `seed`.
        public init(seed: TransactionInput) {
            assetName = Array(SHA256.hash(data: seed.transactionID.bytes + [UInt8(seed.index >> 8), UInt8(seed.index & 0xFF)]))
        }

        /// `Constr 0 [B assetName]`.
        public var data: PlutusData { .constr(0, [.bytes(assetName)]) }

        init(data: PlutusData) throws(CardanoError) {
            let fields = try Cage.fields(of: data, constructor: 0, count: 1, "token id")
            try self.init(assetName: try Cage.bytes(fields[0], "token name"))
        }
    }

    /// A cage's state: who may change the trie, its root, and the request terms (tip and the two
    /// time windows, in milliseconds).
    public struct State: Sendable, Hashable {
        /// The owner's payment key hash (28 bytes); it signs every change.
        public var owner: [UInt8]
        /// The trie root (32 bytes, all zero for the empty trie).
        public var root: [UInt8]
        /// Lovelace each processed request pays the owner.
        public var tip: UInt64
        /// How long after its submission a request may be processed.
        public var processTime: UInt64
        /// How long after that its requester may retract it.
        public var retractTime: UInt64

        public init(owner: [UInt8], root: [UInt8], tip: UInt64, processTime: UInt64, retractTime: UInt64) throws(CardanoError) {
            guard owner.count == 28, root.count == 32 else {
                throw CardanoError(.invalidLength, "a cage state has a 28-byte owner and a 32-byte root")
            }
            (self.owner, self.root, self.tip, self.processTime, self.retractTime) = (owner, root, tip, processTime, retractTime)
        }

        /// The inline datum of the state output: `Constr 1 [Constr 0 [owner, root, tip, processTime, retractTime]]`.
        public var datum: PlutusData {
            .constr(1, [.constr(0, [.bytes(owner), .bytes(root), .integer(PlutusInteger(tip)),
                                    .integer(PlutusInteger(processTime)), .integer(PlutusInteger(retractTime))])])
        }

        /// Reads a state output's inline datum.
        public init(datum: PlutusData) throws(CardanoError) {
            let outer = try Cage.fields(of: datum, constructor: 1, count: 1, "state datum")
            let fields = try Cage.fields(of: outer[0], constructor: 0, count: 5, "state")
            try self.init(
                owner: try Cage.bytes(fields[0], "owner"), root: try Cage.bytes(fields[1], "root"), tip: try Cage.natural(fields[2], "tip"),
                processTime: try Cage.natural(fields[3], "process time"), retractTime: try Cage.natural(fields[4], "retract time"))
        }
    }

    /// What a request asks of the trie.
    public enum Operation: Sendable, Hashable {
        case insert(value: [UInt8])
        case delete(oldValue: [UInt8])
        case update(oldValue: [UInt8], newValue: [UInt8])

        var data: PlutusData {
            switch self {
            case .insert(let value): .constr(0, [.bytes(value)])
            case .delete(let old): .constr(1, [.bytes(old)])
            case .update(let old, let new): .constr(2, [.bytes(old), .bytes(new)])
            }
        }

        init(data: PlutusData) throws(CardanoError) {
            guard case .constr(let index, _) = data else { throw CardanoError(.invalidCageDatum, "an operation is a constructor") }
            switch index {
            case 0: self = .insert(value: try Cage.bytes(try Cage.fields(of: data, constructor: 0, count: 1, "insert")[0], "value"))
            case 1: self = .delete(oldValue: try Cage.bytes(try Cage.fields(of: data, constructor: 1, count: 1, "delete")[0], "value"))
            case 2:
                let fields = try Cage.fields(of: data, constructor: 2, count: 2, "update")
                self = .update(oldValue: try Cage.bytes(fields[0], "old value"), newValue: try Cage.bytes(fields[1], "new value"))
            default: throw CardanoError(.invalidCageDatum, "operation constructor \(index) is not insert, delete or update")
            }
        }
    }

    /// A request locked at the token's request address: one change to the trie, with the tip it pays.
    public struct Request: Sendable, Hashable {
        public var token: TokenID
        /// The requester's payment key hash (28 bytes): where its refund goes.
        public var requester: [UInt8]
        /// The key as given; its trie path is BLAKE2b-256 of it.
        public var key: [UInt8]
        public var operation: Operation
        public var tip: UInt64
        /// When it was submitted, POSIX milliseconds.
        public var submittedAt: UInt64

        public init(
            token: TokenID, requester: [UInt8], key: [UInt8], operation: Operation, tip: UInt64, submittedAt: UInt64
        ) throws(CardanoError) {
            guard requester.count == 28 else { throw CardanoError(.invalidLength, "a requester is a 28-byte key hash") }
            (self.token, self.requester, self.key, self.operation, self.tip, self.submittedAt) =
                (token, requester, key, operation, tip, submittedAt)
        }

        /// `Constr 0 [Constr 0 [token, requester, key, operation, tip, submittedAt]]`.
        public var datum: PlutusData {
            .constr(0, [.constr(0, [token.data, .bytes(requester), .bytes(key), operation.data,
                                    .integer(PlutusInteger(tip)), .integer(PlutusInteger(submittedAt))])])
        }

        /// Reads a request output's inline datum.
        public init(datum: PlutusData) throws(CardanoError) {
            let outer = try Cage.fields(of: datum, constructor: 0, count: 1, "request datum")
            let fields = try Cage.fields(of: outer[0], constructor: 0, count: 6, "request")
            try self.init(
                token: try TokenID(data: fields[0]), requester: try Cage.bytes(fields[1], "requester"), key: try Cage.bytes(fields[2], "key"),
                operation: try Operation(data: fields[3]), tip: try Cage.natural(fields[4], "tip"),
                submittedAt: try Cage.natural(fields[5], "submitted at"))
        }
    }

    /// The state validator's minting redeemer.
    public enum MintRedeemer: Sendable, Hashable {
        /// Mints the token named after `seed`, which the transaction spends.
        case minting(seed: TransactionInput)
        /// Burns the token.
        case burning(TokenID)

        public var data: PlutusData {
            switch self {
            case .minting(let seed): .constr(0, [Cage.outputReference(seed)])
            case .burning(let token): .constr(2, [token.data])
            }
        }
    }

    /// How one request is settled by a Modify: applied with its MPF proof, or rejected.
    public enum RequestAction: Sendable, Hashable {
        /// The request's change, proved against the root folded so far.
        case apply(proof: Proof)
        /// Refunded without a change (a request past its retract window, or future-dated).
        case rejected

        var data: PlutusData {
            switch self {
            case .apply(let proof): .constr(0, [Cage.proofData(proof)])
            case .rejected: .constr(1, [])
            }
        }
    }

    /// The spending redeemer of the state and request validators.
    public enum SpendRedeemer: Sendable, Hashable {
        /// The owner ends the cage (the token is burned in the same transaction).
        case end
        /// A request is consumed by the Modify that spends `state`.
        case contribute(state: TransactionInput)
        /// The state folds the requests it spends, in ledger input order, one action each.
        case modify([RequestAction])
        /// The requester takes its request back in the retract window.
        case retract(state: TransactionInput)
        /// The owner removes an output at the request address that is no request of this cage.
        case sweep(state: TransactionInput)

        public var data: PlutusData {
            switch self {
            case .end: .constr(0, [])
            case .contribute(let state): .constr(1, [Cage.outputReference(state)])
            case .modify(let actions): .constr(2, [.list(actions.map(\.data))])
            case .retract(let state): .constr(3, [Cage.outputReference(state)])
            case .sweep(let state): .constr(4, [Cage.outputReference(state)])
            }
        }
    }

    /// An MPF proof as the on-chain library reads it: a list of steps, Branch `C0[I skip, B neighbours128]`,
    /// Fork `C1[I skip, C0[I nibble, B prefix, B root]]`, Leaf `C2[I skip, B path, B valueDigest]`
    /// (the Plutus data `Proof.cbor()` serialises).
    public static func proofData(_ proof: Proof) -> PlutusData {
        .list(proof.steps.map { step in
            switch step {
            case .branch(let skip, let neighbors):
                .constr(0, [.int(Int64(skip)), .bytes(neighbors.flatMap(\.bytes))])
            case .fork(let skip, let neighbor):
                .constr(1, [.int(Int64(skip)), .constr(0, [.int(Int64(neighbor.nibble)), .bytes(neighbor.prefix), .bytes(neighbor.root.bytes)])])
            case .leaf(let skip, let key, let value):
                .constr(2, [.int(Int64(skip)), .bytes(key.bytes), .bytes(value.bytes)])
            }
        })
    }

    /// A Plutus V3 `TxOutRef`: `Constr 0 [B txid, I index]`.
    static func outputReference(_ input: TransactionInput) -> PlutusData {
        .constr(0, [.bytes(input.transactionID.bytes), .integer(PlutusInteger(UInt64(input.index)))])
    }

    static func fields(of data: PlutusData, constructor: UInt64, count: Int, _ what: String) throws(CardanoError) -> [PlutusData] {
        guard case .constr(constructor, let fields) = data, fields.count == count else {
            throw CardanoError(.invalidCageDatum, "a \(what) is constructor \(constructor) with \(count) fields")
        }
        return fields
    }

    static func bytes(_ data: PlutusData, _ what: String) throws(CardanoError) -> [UInt8] {
        guard case .bytes(let bytes) = data else { throw CardanoError(.invalidCageDatum, "the \(what) is a byte string") }
        return bytes
    }

    static func natural(_ data: PlutusData, _ what: String) throws(CardanoError) -> UInt64 {
        guard case .integer(let integer) = data, let value = integer.int64Value, value >= 0 else {
            throw CardanoError(.invalidCageDatum, "the \(what) is a natural number below 2^63")
        }
        return UInt64(value)
    }
}
