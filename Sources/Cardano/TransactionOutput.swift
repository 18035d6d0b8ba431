import Encoding

/// A transaction output. Built outputs use the post-Alonzo map form
/// `{0: address, 1: value, ? 2: datum_option, ? 3: script_ref}`; the legacy array form
/// `[address, value, ? datum_hash]` is decoded too and written back in its own form.
public struct TransactionOutput: Sendable, Hashable {
    /// A datum attached to an output (`datum_option`).
    public enum Datum: Sendable, Hashable {
        /// `[0, hash32]`: only the datum's hash.
        case hash([UInt8])
        /// `[1, #6.24(bytes)]`: the datum itself, as its CBOR bytes (kept exactly as received).
        case inline([UInt8])

        /// An inline datum holding `data` in its canonical encoding.
        public static func inline(_ data: PlutusData) -> Datum { .inline(data.cborBytes) }

        /// The inline datum decoded, or nil for a hash.
        public func inlineData() throws(CardanoError) -> PlutusData? {
            guard case .inline(let bytes) = self else { return nil }
            return try PlutusData(cbor: bytes)
        }
    }

    /// The address bytes (header byte, then payload).
    public var address: [UInt8]
    /// Lovelace and native assets.
    public var value: Value
    /// An optional datum.
    public var datum: Datum?
    /// An optional reference script: the CBOR of `script` (`[language, bytes]`) that `#6.24` wraps.
    public var scriptReference: [UInt8]?
    /// Whether this output was read in (or should be written in) the legacy array form.
    public var isLegacyForm: Bool

    /// Creates an output in the map form.
    public init(address: [UInt8], value: Value, datum: Datum? = nil, scriptReference: [UInt8]? = nil) {
        self.address = address
        self.value = value
        self.datum = datum
        self.scriptReference = scriptReference
        isLegacyForm = false
    }

    private var hasInlineDatum: Bool {
        if case .inline = datum { return true }
        return false
    }

    /// The output's CBOR.
    public var cbor: CBOR {
        if isLegacyForm, scriptReference == nil, !hasInlineDatum {
            var elements: [CBOR] = [.bytes(address), value.cbor]
            if case .hash(let hash) = datum { elements.append(.bytes(hash)) }
            return .array(elements)
        }
        var pairs: [CBOR.Pair] = [CBOR.Pair(0, .bytes(address)), CBOR.Pair(1, value.cbor)]
        switch datum {
        case .hash(let hash): pairs.append(CBOR.Pair(2, [0, .bytes(hash)]))
        case .inline(let bytes): pairs.append(CBOR.Pair(2, [1, .tagged(24, .bytes(bytes))]))
        case nil: break
        }
        if let scriptReference { pairs.append(CBOR.Pair(3, .tagged(24, .bytes(scriptReference)))) }
        return .map(pairs)
    }

    /// The serialised output, as the ledger measures it for the minimum-UTxO rule.
    public func cborBytes() throws(CardanoError) -> [UInt8] {
        do { return try cbor.encode() } catch { throw CardanoError(.invalidBody, "output: \(error.description)") }
    }

    /// Reads an output in either form.
    public init(cbor: CBOR) throws(CardanoError) {
        if let legacy = cbor.arrayValue {
            guard legacy.count == 2 || legacy.count == 3, let address = legacy[0].bytesValue else {
                throw CardanoError(.invalidBody, "a legacy output is [address, value, ? datum_hash]")
            }
            self.init(address: address, value: try Value(cbor: legacy[1]))
            if legacy.count == 3 {
                guard let hash = legacy[2].bytesValue, hash.count == 32 else {
                    throw CardanoError(.invalidBody, "a legacy output's datum hash is 32 bytes")
                }
                datum = .hash(hash)
            }
            isLegacyForm = true
            return
        }
        guard let pairs = cbor.mapValue, let address = cbor[0]?.bytesValue, let value = cbor[1] else {
            throw CardanoError(.invalidBody, "an output is a map with address (0) and value (1)")
        }
        guard pairs.allSatisfy({ [0, 1, 2, 3].contains($0.key.uint64Value ?? 99) }) else {
            throw CardanoError(.invalidBody, "an output map has only keys 0–3")
        }
        self.init(address: address, value: try Value(cbor: value))
        if let option = cbor[2] {
            switch option.arrayValue {
            case .some(let pair) where pair.count == 2 && pair[0] == 0:
                guard let hash = pair[1].bytesValue, hash.count == 32 else {
                    throw CardanoError(.invalidBody, "a datum hash is 32 bytes")
                }
                datum = .hash(hash)
            case .some(let pair) where pair.count == 2 && pair[0] == 1:
                guard case .tagged(24, .bytes(let bytes)) = pair[1] else {
                    throw CardanoError(.invalidBody, "an inline datum is #6.24(bytes)")
                }
                datum = .inline(bytes)
            default:
                throw CardanoError(.invalidBody, "datum_option must be [0, hash] or [1, #6.24(bytes)]")
            }
        }
        if let reference = cbor[3] {
            guard case .tagged(24, .bytes(let bytes)) = reference else {
                throw CardanoError(.invalidBody, "a script reference is #6.24(bytes)")
            }
            scriptReference = bytes
        }
    }
}
