import Encoding

/// Native assets by policy id (28 bytes) and asset name (at most 32 bytes). `Quantity` is `UInt64` in
/// outputs (`positive_coin`) and `Int64` in the mint field (`nonzero_int64`).
public struct MultiAsset<Quantity: FixedWidthInteger & Sendable>: Sendable, Hashable {
    /// Quantities by policy id, then asset name.
    public var assets: [[UInt8]: [[UInt8]: Quantity]]

    /// Creates a bundle; entries with zero quantity are dropped when encoding.
    public init(_ assets: [[UInt8]: [[UInt8]: Quantity]] = [:]) {
        self.assets = assets
    }

    /// Whether there is no non-zero quantity.
    public var isEmpty: Bool { !assets.values.contains(where: { $0.values.contains(where: { $0 != 0 }) }) }

    /// `{policy => {name => quantity}}`; map keys are sorted when encoded (Core Deterministic Encoding).
    var cbor: CBOR {
        .map(
            assets.compactMap { policy, names in
                let entries = names.filter { $0.value != 0 }.map { name, quantity in
                    CBOR.Pair(.bytes(name), quantity < 0 ? .negative(UInt64(-1 - Int64(quantity))) : .unsigned(UInt64(quantity)))
                }
                return entries.isEmpty ? nil : CBOR.Pair(.bytes(policy), .map(entries))
            })
    }

    init(cbor: CBOR, field: String) throws(CardanoError) {
        guard let policies = cbor.mapValue else { throw CardanoError(.invalidBody, "\(field) must be a map") }
        var assets: [[UInt8]: [[UInt8]: Quantity]] = [:]
        for policy in policies {
            guard let id = policy.key.bytesValue, id.count == 28, let names = policy.value.mapValue else {
                throw CardanoError(.invalidBody, "\(field): policy ids are 28 bytes mapping to asset maps")
            }
            var byName: [[UInt8]: Quantity] = [:]
            for name in names {
                guard let bytes = name.key.bytesValue, bytes.count <= 32 else {
                    throw CardanoError(.invalidBody, "\(field): asset names are at most 32 bytes")
                }
                let quantity: Quantity?
                switch name.value {
                case .unsigned(let n): quantity = Quantity(exactly: n)
                case .negative(let n): quantity = n <= UInt64(Int64.max) ? Quantity(exactly: -1 - Int64(n)) : nil
                default: quantity = nil
                }
                guard let quantity else { throw CardanoError(.invalidBody, "\(field): quantity out of range") }
                byName[bytes] = quantity
            }
            assets[id] = byName
        }
        self.assets = assets
    }
}

/// An amount held by an output: lovelace, plus native assets.
public struct Value: Sendable, Hashable {
    /// Lovelace.
    public var coin: UInt64
    /// Native assets (positive quantities).
    public var assets: MultiAsset<UInt64>

    /// Creates a value.
    public init(coin: UInt64, assets: MultiAsset<UInt64> = MultiAsset()) {
        self.coin = coin
        self.assets = assets
    }

    /// `coin` alone, or `[coin, multiasset]`.
    var cbor: CBOR { assets.isEmpty ? .unsigned(coin) : .array([.unsigned(coin), assets.cbor]) }

    init(cbor: CBOR) throws(CardanoError) {
        if let coin = cbor.uint64Value {
            self.init(coin: coin)
            return
        }
        guard let pair = cbor.arrayValue, pair.count == 2, let coin = pair[0].uint64Value else {
            throw CardanoError(.invalidBody, "a value must be coin or [coin, multiasset]")
        }
        self.init(coin: coin, assets: try MultiAsset(cbor: pair[1], field: "value"))
    }
}
