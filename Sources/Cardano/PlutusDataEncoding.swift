import Encoding

/// Writes Plutus data exactly as the Haskell node does (PlutusCore `Data.hs`, `encodeData`):
/// - `Constr i`: tag 121+i for i in 0…6, 1280+(i−7) for i in 7…127, else tag 102 around a definite
///   `[i, fields]`;
/// - lists (and constructor fields): `80` when empty, else indefinite `9f … ff`;
/// - maps: definite, pairs in their given order;
/// - integers: major type 0/1 within 64 bits, else bignum tag 2/3;
/// - byte strings (and bignum magnitudes): definite up to 64 bytes, else indefinite `5f` of
///   64-byte chunks then `ff`.
extension PlutusData {
    /// The canonical CBOR bytes (see above); datum hashes and script data hashes are taken over these.
    public var cborBytes: [UInt8] {
        var writer = CBORWriter(capacity: 64)
        writer.appendPlutusData(self)
        return writer.bytes
    }
}

extension CBORWriter {
    /// Appends Plutus data in the node's encoding (see `PlutusData.cborBytes`).
    public mutating func appendPlutusData(_ data: PlutusData) {
        switch data {
        case .constr(let index, let fields):
            switch index {
            case 0...6:
                appendHead(.tag, 121 + index)
                appendPlutusList(fields)
            case 7...127:
                appendHead(.tag, 1280 + index - 7)
                appendPlutusList(fields)
            default:
                appendHead(.tag, 102)
                appendHead(.array, 2)
                appendHead(.unsigned, index)
                appendPlutusList(fields)
            }
        case .map(let pairs):
            appendHead(.map, UInt64(pairs.count))
            for pair in pairs {
                appendPlutusData(pair.key)
                appendPlutusData(pair.value)
            }
        case .list(let elements):
            appendPlutusList(elements)
        case .integer(let integer):
            if integer.magnitude.count <= 8 {
                let n = integer.magnitude.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                appendHead(integer.isNegative ? .negative : .unsigned, n)
            } else {
                appendHead(.tag, integer.isNegative ? 3 : 2)
                appendBoundedBytes(integer.magnitude)
            }
        case .bytes(let bytes):
            appendBoundedBytes(bytes)
        }
    }

    private mutating func appendPlutusList(_ elements: [PlutusData]) {
        if elements.isEmpty {
            appendHead(.array, 0)
            return
        }
        beginIndefiniteArray()
        for element in elements { appendPlutusData(element) }
        appendBreak()
    }

    /// A byte string of at most 64 bytes per chunk (`bounded_bytes`).
    private mutating func appendBoundedBytes(_ bytes: [UInt8]) {
        guard bytes.count > 64 else {
            appendHead(.bytes, UInt64(bytes.count))
            appendRaw(bytes)
            return
        }
        beginIndefiniteBytes()
        var start = 0
        while start < bytes.count {
            let end = min(start + 64, bytes.count)
            appendHead(.bytes, UInt64(end - start))
            appendRaw(bytes[start..<end])
            start = end
        }
        appendBreak()
    }
}
