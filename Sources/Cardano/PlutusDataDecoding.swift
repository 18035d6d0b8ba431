import Encoding

/// Reads Plutus data the way the ledger does (PlutusCore `decodeData`): lists and maps in definite or
/// indefinite form, any head width, constructor tags 121–127, 1280–1400 and 102, bignum tags 2/3,
/// and byte strings whose every definite chunk is at most 64 bytes.
extension PlutusData {
    /// The deepest nesting `init(cbor:)` accepts by default.
    public static let defaultMaxDepth = 128

    /// Decodes exactly one data item filling `cbor`. `allowingLongByteStrings` accepts definite byte
    /// strings over 64 bytes, which the ledger rejects but some tools write (see `Transaction`).
    public init(
        cbor: some Collection<UInt8>, maxDepth: Int = PlutusData.defaultMaxDepth, allowingLongByteStrings: Bool = false
    ) throws(CardanoError) {
        var decoder = PlutusDataDecoder(
            cursor: RawCBORCursor(Array(cbor)), maxDepth: maxDepth, allowsLongByteStrings: allowingLongByteStrings)
        let data = try decoder.read(depth: 0)
        guard decoder.cursor.isAtEnd else {
            throw CardanoError(.invalidPlutusData, "\(decoder.cursor.bytes.count - decoder.cursor.offset) bytes follow the data item")
        }
        self = data
    }
}

struct PlutusDataDecoder {
    var cursor: RawCBORCursor
    let maxDepth: Int
    var allowsLongByteStrings = false

    mutating func read(depth: Int) throws(CardanoError) -> PlutusData {
        guard depth <= maxDepth else {
            throw CardanoError(.plutusDataTooDeep, "Plutus data nests deeper than \(maxDepth)")
        }
        let head = try cursor.readHead()
        switch head.major {
        case .unsigned, .negative:
            guard let n = head.argument else { throw CardanoError(.invalidPlutusData, "indefinite integer") }
            return .integer(PlutusInteger(isNegative: head.major == .negative, magnitude: PlutusInteger.bigEndian(n)))
        case .bytes:
            return .bytes(try boundedBytes(head))
        case .array:
            return .list(try list(head, depth: depth))
        case .map:
            return .map(try map(head, depth: depth))
        case .tag:
            return try tagged(head, depth: depth)
        case .text, .simple:
            throw CardanoError(.invalidPlutusData, "major type \(head.major.rawValue) at byte \(head.offset) is not Plutus data")
        }
    }

    private mutating func tagged(_ head: RawCBORCursor.Head, depth: Int) throws(CardanoError) -> PlutusData {
        guard let tag = head.argument else { throw CardanoError(.invalidPlutusData, "indefinite tag") }
        switch tag {
        case 121...127:
            return .constr(tag - 121, try fields(depth: depth))
        case 1280...1400:
            return .constr(tag - 1280 + 7, try fields(depth: depth))
        case 102:
            let array = try cursor.readHead()
            guard array.major == .array, array.argument == nil || array.argument == 2 else {
                throw CardanoError(.invalidPlutusData, "tag 102 at byte \(head.offset) must hold [index, fields]")
            }
            let index = try cursor.readHead()
            guard index.major == .unsigned, let value = index.argument else {
                throw CardanoError(.invalidPlutusData, "tag 102 constructor index must be an unsigned integer")
            }
            let fields = try fields(depth: depth)
            if array.argument == nil, try !cursor.consumeBreak() {
                throw CardanoError(.invalidPlutusData, "tag 102 array has more than 2 elements")
            }
            return .constr(value, fields)
        case 2, 3:
            let content = try cursor.readHead()
            guard content.major == .bytes else {
                throw CardanoError(.invalidPlutusData, "bignum tag \(tag) at byte \(head.offset) must hold a byte string")
            }
            return .integer(PlutusInteger(isNegative: tag == 3, magnitude: try boundedBytes(content)))
        default:
            throw CardanoError(.invalidPlutusData, "tag \(tag) at byte \(head.offset) is not Plutus data")
        }
    }

    private mutating func fields(depth: Int) throws(CardanoError) -> [PlutusData] {
        let head = try cursor.readHead()
        guard head.major == .array else {
            throw CardanoError(.invalidPlutusData, "constructor fields at byte \(head.offset) must be an array")
        }
        return try list(head, depth: depth)
    }

    private mutating func list(_ head: RawCBORCursor.Head, depth: Int) throws(CardanoError) -> [PlutusData] {
        var elements: [PlutusData] = []
        if let count = head.argument {
            guard count <= UInt64(cursor.bytes.count - cursor.offset) else {
                throw CardanoError(.malformedCBOR, "array at byte \(head.offset) declares more elements than bytes remain")
            }
            elements.reserveCapacity(Int(count))
            for _ in 0..<count { elements.append(try read(depth: depth + 1)) }
        } else {
            while try !cursor.consumeBreak() { elements.append(try read(depth: depth + 1)) }
        }
        return elements
    }

    private mutating func map(_ head: RawCBORCursor.Head, depth: Int) throws(CardanoError) -> [PlutusData.Pair] {
        var pairs: [PlutusData.Pair] = []
        if let count = head.argument {
            guard count <= UInt64((cursor.bytes.count - cursor.offset) / 2) else {
                throw CardanoError(.malformedCBOR, "map at byte \(head.offset) declares more entries than bytes remain")
            }
            pairs.reserveCapacity(Int(count))
            for _ in 0..<count { pairs.append(PlutusData.Pair(try read(depth: depth + 1), try read(depth: depth + 1))) }
        } else {
            while try !cursor.consumeBreak() {
                pairs.append(PlutusData.Pair(try read(depth: depth + 1), try read(depth: depth + 1)))
            }
        }
        return pairs
    }

    /// A byte string whose definite chunks are each at most 64 bytes.
    private mutating func boundedBytes(_ head: RawCBORCursor.Head) throws(CardanoError) -> [UInt8] {
        guard let length = head.argument else {
            var joined: [UInt8] = []
            while try !cursor.consumeBreak() {
                let chunk = try cursor.readHead()
                guard chunk.major == .bytes, let chunkLength = chunk.argument else {
                    throw CardanoError(.invalidPlutusData, "chunk at byte \(chunk.offset) must be a definite byte string")
                }
                guard chunkLength <= 64 || allowsLongByteStrings else {
                    throw CardanoError(.plutusBytesTooLong, "chunk of \(chunkLength) bytes at byte \(chunk.offset) exceeds 64")
                }
                joined.append(contentsOf: try cursor.take(chunkLength))
            }
            return joined
        }
        guard length <= 64 || allowsLongByteStrings else {
            throw CardanoError(.plutusBytesTooLong, "byte string of \(length) bytes at byte \(head.offset) exceeds 64")
        }
        return Array(try cursor.take(length))
    }
}
