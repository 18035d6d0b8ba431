import Encoding

extension Redeemer {
    /// Reads one redeemer in the legacy array form `[tag, index, data, [mem, steps]]`.
    public init(cbor bytes: [UInt8]) throws(CardanoError) {
        var cursor = RawCBORCursor(bytes)
        let head = try cursor.readHead()
        guard head.major == .array, head.argument == 4 else {
            throw CardanoError(.invalidWitnessSet, "a redeemer is [tag, index, data, ex_units]")
        }
        let (tag, index) = try Self.purpose(&cursor)
        let data = try Self.data(&cursor, false)
        let (memory, steps) = try Self.exUnits(&cursor)
        guard cursor.isAtEnd else { throw CardanoError(.invalidWitnessSet, "bytes follow the redeemer") }
        self.init(tag: tag, index: index, data: data, memory: memory, steps: steps)
    }

    /// The legacy array form `[tag, index, data, [mem, steps]]`, with the data in its canonical encoding.
    public var legacyCBORBytes: [UInt8] {
        var writer = CBORWriter()
        writer.appendHead(.array, 4)
        writer.appendHead(.unsigned, UInt64(tag.rawValue))
        writer.appendHead(.unsigned, UInt64(index))
        writer.appendPlutusData(data)
        writer.appendHead(.array, 2)
        writer.appendHead(.unsigned, memory)
        writer.appendHead(.unsigned, steps)
        return writer.bytes
    }

    /// Reads witness-set entry 5 in either form: an array of legacy redeemers, or the Conway map
    /// `{[tag, index] => [data, ex_units]}`.
    public static func all(cbor bytes: [UInt8], allowingLongByteStrings: Bool = false) throws(CardanoError) -> [Redeemer] {
        var cursor = RawCBORCursor(bytes)
        let head = try cursor.readHead()
        var redeemers: [Redeemer] = []
        func more(_ count: UInt64?) throws(CardanoError) -> Bool {
            if let count { return UInt64(redeemers.count) < count }
            return try !cursor.consumeBreak()
        }
        switch head.major {
        case .array:
            while try more(head.argument) {
                let item = try cursor.readHead()
                guard item.major == .array, item.argument == 4 else {
                    throw CardanoError(.invalidWitnessSet, "a redeemer is [tag, index, data, ex_units]")
                }
                let (tag, index) = try purpose(&cursor)
                let data = try data(&cursor, allowingLongByteStrings)
                let (memory, steps) = try exUnits(&cursor)
                redeemers.append(Redeemer(tag: tag, index: index, data: data, memory: memory, steps: steps))
            }
        case .map:
            while try more(head.argument) {
                let key = try cursor.readHead()
                guard key.major == .array, key.argument == 2 else {
                    throw CardanoError(.invalidWitnessSet, "a redeemer key is [tag, index]")
                }
                let (tag, index) = try purpose(&cursor)
                let value = try cursor.readHead()
                guard value.major == .array, value.argument == 2 else {
                    throw CardanoError(.invalidWitnessSet, "a redeemer value is [data, ex_units]")
                }
                let data = try data(&cursor, allowingLongByteStrings)
                let (memory, steps) = try exUnits(&cursor)
                redeemers.append(Redeemer(tag: tag, index: index, data: data, memory: memory, steps: steps))
            }
        default:
            throw CardanoError(.invalidWitnessSet, "redeemers are an array or a map")
        }
        guard cursor.isAtEnd else { throw CardanoError(.invalidWitnessSet, "bytes follow the redeemers") }
        return redeemers
    }

    private static func uint(_ cursor: inout RawCBORCursor, max: UInt64, what: String) throws(CardanoError) -> UInt64 {
        let head = try cursor.readHead()
        guard head.major == .unsigned, let value = head.argument, value <= max else {
            throw CardanoError(.invalidWitnessSet, "redeemer \(what) must be an unsigned integer up to \(max)")
        }
        return value
    }

    private static func purpose(_ cursor: inout RawCBORCursor) throws(CardanoError) -> (Tag, UInt32) {
        let rawTag = try uint(&cursor, max: 5, what: "tag")
        let index = try uint(&cursor, max: UInt64(UInt32.max), what: "index")
        guard let tag = Tag(rawValue: UInt8(rawTag)) else { throw CardanoError(.invalidWitnessSet, "bad redeemer tag") }
        return (tag, UInt32(index))
    }

    private static func data(_ cursor: inout RawCBORCursor, _ allowsLong: Bool) throws(CardanoError) -> PlutusData {
        var decoder = PlutusDataDecoder(cursor: cursor, maxDepth: PlutusData.defaultMaxDepth, allowsLongByteStrings: allowsLong)
        let data = try decoder.read(depth: 0)
        cursor = decoder.cursor
        return data
    }

    private static func exUnits(_ cursor: inout RawCBORCursor) throws(CardanoError) -> (UInt64, UInt64) {
        let head = try cursor.readHead()
        guard head.major == .array, head.argument == 2 else {
            throw CardanoError(.invalidWitnessSet, "ex_units is [mem, steps]")
        }
        return (try uint(&cursor, max: .max, what: "memory"), try uint(&cursor, max: .max, what: "steps"))
    }
}

extension PlutusData {
    /// Reads witness-set entry 4: `[+ plutus_data]`, optionally tagged 258.
    static func list(fromWitnessSetEntry bytes: [UInt8], allowingLongByteStrings: Bool) throws(CardanoError) -> [PlutusData] {
        var cursor = RawCBORCursor(bytes)
        var head = try cursor.readHead()
        if head.major == .tag, head.argument == 258 { head = try cursor.readHead() }
        guard head.major == .array else { throw CardanoError(.invalidWitnessSet, "datums are an array") }
        var decoder = PlutusDataDecoder(
            cursor: cursor, maxDepth: defaultMaxDepth, allowsLongByteStrings: allowingLongByteStrings)
        var datums: [PlutusData] = []
        if let count = head.argument {
            for _ in 0..<count where !decoder.cursor.isAtEnd { datums.append(try decoder.read(depth: 0)) }
            guard UInt64(datums.count) == count else { throw CardanoError(.invalidWitnessSet, "datums truncated") }
        } else {
            while try !decoder.cursor.consumeBreak() { datums.append(try decoder.read(depth: 0)) }
        }
        guard decoder.cursor.isAtEnd else { throw CardanoError(.invalidWitnessSet, "bytes follow the datums") }
        return datums
    }
}
