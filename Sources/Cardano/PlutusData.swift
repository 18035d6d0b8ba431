import Encoding

/// A Plutus `Data` value (PlutusCore `Data`): what datums and redeemers are made of.
///
/// Encode with `cborBytes` (the exact bytes the Haskell node writes, so datum hashes agree) and decode
/// with `PlutusData(cbor:)`, which also accepts the other forms the ledger allows (definite lists,
/// indefinite maps, non-shortest heads).
public indirect enum PlutusData: Sendable, Hashable {
    /// `Constr i fields`: a constructor index and its fields.
    case constr(UInt64, [PlutusData])
    /// `Map`: key/value pairs in their given order; duplicates are allowed.
    case map([Pair])
    /// `List`.
    case list([PlutusData])
    /// `I`: an integer of any size.
    case integer(PlutusInteger)
    /// `B`: a byte string.
    case bytes([UInt8])

    /// One entry of a `Map`.
    public struct Pair: Sendable, Hashable {
        /// The key.
        public var key: PlutusData
        /// The value.
        public var value: PlutusData

        /// Creates an entry.
        public init(_ key: PlutusData, _ value: PlutusData) {
            self.key = key
            self.value = value
        }
    }

    /// `Constr 0 []`, the unit datum (`d87980`).
    public static let unit = PlutusData.constr(0, [])

    /// An integer item from a machine integer.
    public static func int(_ value: Int64) -> PlutusData { .integer(PlutusInteger(value)) }

    /// The datum hash: BLAKE2b-256 of `cborBytes`.
    public var hash: [UInt8] { Blake2b.hash256(cborBytes) }
}
