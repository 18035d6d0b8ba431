import Encoding
import Testing

/// Encoder, decoder, reader, writer and diagnostics. Expected bytes are RFC 8949 examples or
/// worked out by hand from the RFC's rules, never taken from our own output.
@Suite struct CBORTests {
    // MARK: - Encoding

    static let heads: [(CBOR, String)] = [
        (CBOR.unsigned(0), "00"), (.unsigned(23), "17"), (.unsigned(24), "1818"), (.unsigned(255), "18ff"),
        (.unsigned(256), "190100"), (.unsigned(65535), "19ffff"), (.unsigned(65536), "1a00010000"),
        (.unsigned(0xffff_ffff), "1affffffff"), (.unsigned(0x1_0000_0000), "1b0000000100000000"),
        (.unsigned(.max), "1bffffffffffffffff"), (-1, "20"), (-24, "37"), (-25, "3818"), (-1000, "3903e7"),
        (.negative(.max), "3bffffffffffffffff"), (.bytes([]), "40"), (.bytes([1, 2, 3, 4]), "4401020304"),
        ("", "60"), ("IETF", "6449455446"), ("ü", "62c3bc"), ("\"\\", "62225c"),
    ]

    @Test(arguments: heads)
    func shortestHeads(item: CBOR, expected: String) throws {
        #expect(cborHex(try item.encode()) == expected)
    }

    static let floats: [(Double, String)] = [
        (0.0, "f90000"), (-0.0, "f98000"), (1.0, "f93c00"), (1.5, "f93e00"), (65504.0, "f97bff"),
        (65505.0, "fa477fe100"), (100000.0, "fa47c35000"), (3.4028234663852886e+38, "fa7f7fffff"),
        (1.1, "fb3ff199999999999a"), (1.0e+300, "fb7e37e43c8800759c"), (5.960464477539063e-8, "f90001"),
        (6.103515625e-05, "f90400"), (1.401298464324817e-45, "fa00000001"), (.leastNonzeroMagnitude, "fb0000000000000001"),
        (.infinity, "f97c00"), (-.infinity, "f9fc00"), (.nan, "f97e00"),
        // NaN payloads are kept, in the shortest width that holds them (RFC 8949 §4.1).
        (Double(bitPattern: 0x7ff8_0000_2000_0000), "fa7fc00001"),
        (Double(bitPattern: 0x7ff8_0000_0000_0001), "fb7ff8000000000001"),
    ]

    @Test(arguments: floats)
    func preferredFloats(value: Double, expected: String) throws {
        #expect(cborHex(try CBOR.float(value).encode()) == expected)
        // And the decoder reads the same value back, bit for bit.
        let decoded = try CBOR.decode(cborBytes(expected), options: .deterministic)
        #expect(decoded.doubleValue?.bitPattern == value.bitPattern)
    }

    /// Keys sort bytewise on their encoding (§4.2.1), so 24 (`1818`) and 100 (`1864`) come before
    /// -1 (`20`); the length-first order of §4.2.3 / RFC 7049 would put -1 first.
    @Test func mapKeysSortBytewise() throws {
        let map: CBOR = ["a": 0, -1: 0, .bytes([0x78]): 0, 100: 0, 24: 0, [1]: 0, false: 0]
        #expect(cborHex(try map.encode()) == "a7" + "181800" + "186400" + "2000" + "417800" + "616100" + "810100" + "f400")
    }

    @Test func literalsAndNesting() throws {
        let item: CBOR = ["a": 1, "b": [2, 3]]
        #expect(cborHex(try item.encode()) == "a26161016162820203")
        let mixed: CBOR = [1, -2, 1.5, true, nil, "x", [:], []]
        #expect(cborHex(try mixed.encode()) == "880121f93e00f5f66178a080")
    }

    @Test func tagsAndSimpleValues() throws {
        #expect(cborHex(try CBOR.tagged(0, "2013-03-21T20:04:00Z").encode()) == "c074323031332d30332d32315432303a30343a30305a")
        #expect(cborHex(try CBOR.tagged(121, []).encode()) == "d87980")
        #expect(cborHex(try CBOR.tagged(1280, [1]).encode()) == "d9050081" + "01")
        #expect(cborHex(try CBOR.simple(16).encode()) == "f0")
        #expect(cborHex(try CBOR.simple(255).encode()) == "f8ff")
        #expect(cborHex(try CBOR.undefined.encode()) == "f7")
        // RFC 8949 §3.4.4: 273.15 as a decimal fraction.
        let decimal = CBOR.tagged(4, [-2, 27315])
        #expect(cborHex(try decimal.encode()) == "c48221196ab3")
        #expect(try CBOR.decode(cborBytes("c48221196ab3"), options: .deterministic) == decimal)
    }

    @Test(arguments: [UInt8(20), 23, 24, 31])
    func reservedSimpleValuesAreNotEncoded(value: UInt8) throws {
        let error = try #require(throws: CBORError.self) { try CBOR.simple(value).encode() }
        #expect(error.code == "cbor_invalid_simple")
    }

    @Test func encoderRejectsInvalidItems() throws {
        let duplicate: CBOR = [1: 2, 3: 4, 1: 5]
        #expect(try #require(throws: CBORError.self) { try duplicate.encode() }.code == "cbor_duplicate_key")
        let nested: CBOR = [["k": 1, "k": 1]]
        #expect(try #require(throws: CBORError.self) { try nested.encode() }.code == "cbor_duplicate_key")
        let badDate = CBOR.tagged(1, "yesterday")
        #expect(try #require(throws: CBORError.self) { try badDate.encode() }.code == "cbor_invalid_tag")
        let shortBignum = CBOR.tagged(2, .bytes([1]))
        #expect(try #require(throws: CBORError.self) { try shortBignum.encode() }.code == "cbor_not_deterministic")
        let paddedBignum = CBOR.tagged(3, .bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
        #expect(try #require(throws: CBORError.self) { try paddedBignum.encode() }.code == "cbor_not_deterministic")
    }

    /// Swift's `String ==` treats canonically equivalent strings as equal; CBOR keys differ by bytes.
    @Test func textComparesByUTF8Bytes() throws {
        let composed = "\u{e9}", decomposed = "e\u{301}"
        #expect(composed == decomposed)
        #expect(CBOR.text(composed) != CBOR.text(decomposed))
        let map: CBOR = [.text(composed): 1, .text(decomposed): 2]
        let encoded = try map.encode()
        #expect(cborHex(encoded) == "a2" + "62c3a901" + "6365cc8102")
        #expect(try CBOR.decode(encoded, options: .deterministic) == map)
    }

    // MARK: - Integers of any size

    @Test func bigIntegers() throws {
        #expect(CBOR.integer(bigEndianMagnitude: [0, 0, 1, 2], negative: false) == .unsigned(258))
        #expect(CBOR.integer(bigEndianMagnitude: [0xff] + Array(repeating: 0xff, count: 7), negative: true) == .negative(.max))
        let twoTo64 = CBOR.integer(bigEndianMagnitude: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0], negative: false)
        #expect(cborHex(try twoTo64.encode()) == "c249010000000000000000")
        let minus = CBOR.integer(bigEndianMagnitude: [1, 0, 0, 0, 0, 0, 0, 0, 0], negative: true)
        #expect(cborHex(try minus.encode()) == "c349010000000000000000")
        #expect(CBOR.integer(bigEndianMagnitude: [], negative: false) == .unsigned(0))

        #expect(CBOR.unsigned(258).bigIntegerValue?.magnitude == [1, 2])
        #expect(CBOR.unsigned(0).bigIntegerValue?.magnitude == [])
        #expect(CBOR.tagged(3, .bytes([0, 5])).bigIntegerValue?.magnitude == [5])
        #expect(CBOR.tagged(3, .bytes([0, 5])).bigIntegerValue?.negative == true)
        #expect(CBOR.text("5").bigIntegerValue == nil)
    }

    @Test func accessors() throws {
        #expect(CBOR.unsigned(UInt64(Int64.max)).intValue == .max)
        #expect(CBOR.unsigned(UInt64(Int64.max) + 1).intValue == nil)
        #expect(CBOR.negative(UInt64(Int64.max)).intValue == .min)
        #expect(CBOR.negative(UInt64(Int64.max) + 1).intValue == nil)
        #expect(CBOR(-5).intValue == -5)
        #expect(CBOR(Int64.min) == .negative(UInt64(Int64.max)))
        #expect(CBOR(UInt64.max).uint64Value == .max)
        let header: CBOR = [1: -7, 4: .bytes([0xab]), "x": [true]]
        #expect(header[1]?.intValue == -7)
        #expect(header[4]?.bytesValue == [0xab])
        #expect(header["x"]?.arrayValue?.first?.boolValue == true)
        #expect(header[2] == nil)
        #expect(CBOR.array([1])[1] == nil)
        #expect(CBOR.tagged(18, []).taggedValue?.tag == 18)
        #expect(CBOR.float(2.5).doubleValue == 2.5)
        #expect(header.mapValue?.count == 3)
    }

    @Test func equalityFollowsTheDataModel() throws {
        let a: CBOR = ["x": 1, "y": [2, 3]]
        let b: CBOR = ["y": [2, 3], "x": 1]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != ["x": 1, "y": [3, 2]])
        #expect(CBOR.float(0.0) != CBOR.float(-0.0))
        #expect(CBOR.float(.nan) == CBOR.float(.nan))
        #expect(CBOR.unsigned(1) != CBOR.float(1.0))
        let big = CBOR.map((0..<40).map { CBOR.Pair(CBOR(Int($0)), CBOR(Int($0) * 2)) })
        let reversed = CBOR.map(try #require(big.mapValue).reversed())
        #expect(big == reversed && big.hashValue == reversed.hashValue)
    }

    // MARK: - Decoding

    static let badInputs: [(String, CBORDecodingOptions.Rules, String, Int)] = [
        // (input, rules, code, offset)
        ("", CBORDecodingOptions.Rules.standard, "cbor_truncated", 0),
        ("18", .standard, "cbor_truncated", 0),
        ("8201", .standard, "cbor_length_exceeds_input", 0),
        ("830102", .standard, "cbor_length_exceeds_input", 0),
        ("9f01", .standard, "cbor_truncated", 0),
        ("1c", .standard, "cbor_reserved_info", 0),
        ("81fd", .standard, "cbor_reserved_info", 1),
        ("ff", .standard, "cbor_unexpected_break", 0),
        ("8201ff", .standard, "cbor_unexpected_break", 2),
        ("bf00ff", .standard, "cbor_unexpected_break", 2),
        ("1f", .standard, "cbor_invalid_indefinite", 0),
        ("3f", .standard, "cbor_invalid_indefinite", 0),
        ("df00", .standard, "cbor_invalid_indefinite", 0),
        ("5f01ff", .standard, "cbor_invalid_indefinite", 1),
        ("5f6161ff", .standard, "cbor_invalid_indefinite", 1),
        ("5f5f4100ffff", .standard, "cbor_invalid_indefinite", 1),
        ("62c0ae", .standard, "cbor_invalid_utf8", 0),
        ("63eda080", .standard, "cbor_invalid_utf8", 0),  // a UTF-16 surrogate
        ("7f61c361bcff", .standard, "cbor_invalid_utf8", 1),  // "ü" split across chunks
        ("f800", .standard, "cbor_invalid_simple", 0),
        ("f818", .standard, "cbor_invalid_simple", 0),
        ("f81f", .standard, "cbor_invalid_simple", 0),
        ("c1a1616100", .standard, "cbor_invalid_tag", 0),
        ("c0a1616100", .standard, "cbor_invalid_tag", 0),
        ("c260", .standard, "cbor_invalid_tag", 0),
        ("c482f93c0001", .standard, "cbor_invalid_tag", 0),
        ("c58101", .standard, "cbor_invalid_tag", 0),
        ("0000", .standard, "cbor_trailing_bytes", 1),
        ("a201020103", .standard, "cbor_duplicate_key", 0),
        ("a2f93e00f4fa3fc00000f5", .standard, "cbor_duplicate_key", 0),  // 1.5 twice, in two widths
        ("a201020103", .deterministic, "cbor_duplicate_key", 3),
        ("a203010102", .deterministic, "cbor_not_deterministic", 3),
        ("a2200018180a", .deterministic, "cbor_not_deterministic", 3),  // length-first order
        ("1817", .deterministic, "cbor_not_deterministic", 0),
        ("3900ff", .deterministic, "cbor_not_deterministic", 0),
        ("8119001f", .deterministic, "cbor_not_deterministic", 1),
        ("5a00000001ff", .deterministic, "cbor_not_deterministic", 0),
        ("d81740", .deterministic, "cbor_not_deterministic", 0),
        ("d81801", .standard, "cbor_invalid_tag", 0),
        ("9f01ff", .deterministic, "cbor_not_deterministic", 0),
        ("7fff", .deterministic, "cbor_not_deterministic", 0),
        ("fa3fc00000", .deterministic, "cbor_not_deterministic", 0),
        ("fb7ff8000000000000", .deterministic, "cbor_not_deterministic", 0),
        ("c24101", .deterministic, "cbor_not_deterministic", 0),
        ("c349000000000000000001", .deterministic, "cbor_not_deterministic", 0),
    ]

    @Test(arguments: badInputs)
    func decodingErrors(input: String, rules: CBORDecodingOptions.Rules, code: String, offset: Int) throws {
        let error = try #require(throws: CBORError.self) {
            try CBOR.decode(cborBytes(input), options: CBORDecodingOptions(rules: rules))
        }
        #expect(error.code == code)
        #expect(error.offset == offset)
        #expect(error.message.hasSuffix("at byte offset \(offset)"))
    }

    /// What the deterministic decoder rejects, the standard decoder accepts.
    static let nonDeterministicForms: [(String, CBOR)] = [
        ("1817", CBOR.unsigned(23)), ("3900ff", -256), ("9f01ff", [1]), ("7f6161ff", "a"),
        ("5f4101420203ff", .bytes([1, 2, 3])), ("bf616101ff", ["a": 1]), ("a203010102", [3: 1, 1: 2]),
        ("fa3fc00000", 1.5), ("c24101", .tagged(2, .bytes([1]))), ("d81740", .tagged(23, .bytes([]))),
    ]

    @Test(arguments: nonDeterministicForms)
    func standardRulesAcceptNonDeterministicForms(input: String, expected: CBOR) throws {
        #expect(try CBOR.decode(cborBytes(input)) == expected)
    }

    @Test func prefixDecodingAndOtherCollections() throws {
        let input = try cborBytes("83010203" + "f6")
        let (item, length) = try CBOR.decodePrefix(input)
        #expect(item == [1, 2, 3])
        #expect(length == 4)
        #expect(try CBOR.decode(input[4...]) == nil)
        #expect(try CBOR.decode(AnyCollection(input.prefix(4))) == [1, 2, 3])
    }

    /// A COSE_Sign1-shaped message: the reader gives the exact bytes of each element as received,
    /// here a protected header in a non-shortest form that re-encoding would change.
    @Test func readerKeepsRawBytesOfSubItems() throws {
        let message = try cborBytes("d2" + "84" + "45a101190026" + "a0" + "4474657374" + "f6")
        var reader = CBORReader(message)
        let tag = try reader.readHead()
        #expect(tag.major == .tag && tag.argument == 18)
        let array = try reader.readHead()
        #expect(array.major == .array && array.argument == 4)
        var raw: [[UInt8]] = []
        var items: [CBOR] = []
        for _ in 0..<4 {
            let start = reader.offset
            items.append(try reader.readItem())
            raw.append(Array(message[start..<reader.offset]))
        }
        #expect(reader.isAtEnd)
        #expect(raw.map(cborHex) == ["45a101190026", "a0", "4474657374", "f6"])
        let protected = try #require(items[0].bytesValue)
        #expect(cborHex(protected) == "a101190026")
        #expect(try CBOR.decode(protected) == [1: 38])
        #expect(cborHex(try CBOR.decode(protected).encode()) == "a1011826")
        #expect(throws: CBORError.self) { try CBOR.decode(protected, options: .deterministic) }
    }

    @Test func readerHeads() throws {
        var reader = CBORReader(try cborBytes("9f5fff"))
        let array = try reader.readHead()
        #expect(array.major == .array && array.argument == nil && !array.isBreak)
        let chunked = try reader.readHead()
        #expect(chunked.major == .bytes && chunked.additionalInfo == 31)
        #expect(try reader.readHead().isBreak)
        #expect(reader.isAtEnd)
        var deterministic = CBORReader(try cborBytes("9f"), options: .deterministic)
        #expect(try #require(throws: CBORError.self) { try deterministic.readHead() }.code == "cbor_not_deterministic")
    }

    // MARK: - Writer

    /// The non-deterministic forms Plutus data needs, checked against RFC 8949 Appendix A bytes.
    @Test func writerIndefiniteForms() throws {
        var writer = CBORWriter()
        writer.beginIndefiniteArray()
        try writer.append(1)
        writer.appendHead(.array, 2)
        try writer.append(2)
        try writer.append(3)
        writer.beginIndefiniteArray()
        try writer.append(4)
        try writer.append(5)
        writer.appendBreak()
        writer.appendBreak()
        #expect(cborHex(writer.bytes) == "9f018202039f0405ffff")

        var chunks = CBORWriter()
        chunks.beginIndefiniteBytes()
        chunks.appendHead(.bytes, 2)
        chunks.appendRaw([1, 2])
        chunks.appendHead(.bytes, 3)
        chunks.appendRaw([3, 4, 5])
        chunks.appendBreak()
        #expect(cborHex(chunks.bytes) == "5f42010243030405ff")

        var text = CBORWriter()
        text.beginIndefiniteText()
        try text.append("strea")
        try text.append("ming")
        text.appendBreak()
        #expect(cborHex(text.bytes) == "7f657374726561646d696e67ff")

        var map = CBORWriter()
        map.beginIndefiniteMap()
        try map.append("Fun")
        try map.append(true)
        try map.append("Amt")
        try map.append(-2)
        map.appendBreak()
        #expect(cborHex(map.bytes) == "bf6346756ef563416d7421ff")

        var heads = CBORWriter()
        heads.appendHead(.tag, 1280)
        heads.appendHead(.negative, 0xffff_ffff)
        heads.appendFloat(1.5)
        #expect(cborHex(heads.bytes) == "d90500" + "3affffffff" + "f93e00")
    }

    // MARK: - Diagnostic notation

    static let diagnostics: [(CBOR, String)] = [
        (CBOR.unsigned(.max), "18446744073709551615"), (.negative(.max), "-18446744073709551616"), (-100, "-100"),
        (.bytes([1, 2, 0xab]), "h'0102ab'"), ("a\"\\\n\u{1}ü", "\"a\\\"\\\\\\n\\u0001ü\""),
        ([1, [2, 3]], "[1, [2, 3]]"), ([:], "{}"), ([1: "a", "b": .bytes([])], "{1: \"a\", \"b\": h''}"),
        (.tagged(1, 1363896240.5), "1(1363896240.5)"), (.simple(16), "simple(16)"), (.undefined, "undefined"),
        (nil, "null"), (false, "false"), (1.0e+300, "1.0e+300"), (5.960464477539063e-8, "5.960464477539063e-8"),
        (-4.1, "-4.1"), (100000.0, "100000.0"), (-0.0, "-0.0"), (1.0e16, "1.0e+16"), (2.5e-5, "2.5e-5"),
        (.float(.infinity), "Infinity"), (.float(-.infinity), "-Infinity"), (.float(.nan), "NaN"),
    ]

    @Test(arguments: diagnostics)
    func diagnosticNotation(item: CBOR, expected: String) {
        #expect(item.diagnosticDescription == expected)
        #expect("\(item)" == expected)
    }

    static let encodedDiagnostics: [(String, String)] = [
        ("5f42010243030405ff", "(_ h'0102', h'030405')"), ("7f657374726561646d696e67ff", "(_ \"strea\", \"ming\")"),
        ("5fff", "''_"), ("7fff", "\"\"_"), ("9fff", "[_ ]"), ("9f018202039f0405ffff", "[_ 1, [2, 3], [_ 4, 5]]"),
        ("83019f0203ff820405", "[1, [_ 2, 3], [4, 5]]"), ("bf61610161629f0203ffff", "{_ \"a\": 1, \"b\": [_ 2, 3]}"),
        ("d8799f00ff", "121([_ 0])"), ("fa7f800000", "Infinity"), ("a10102", "{1: 2}"),
    ]

    @Test(arguments: encodedDiagnostics)
    func diagnosticOfEncodedBytes(input: String, expected: String) throws {
        #expect(try CBOR.diagnostic(encoded: cborBytes(input)) == expected)
    }

    @Test func diagnosticOfInvalidBytesThrows() throws {
        let error = try #require(throws: CBORError.self) { try CBOR.diagnostic(encoded: cborBytes("9f01")) }
        #expect(error.code == "cbor_truncated")
        let strict = try #require(throws: CBORError.self) {
            try CBOR.diagnostic(encoded: cborBytes("9f01ff"), options: .deterministic)
        }
        #expect(strict.code == "cbor_not_deterministic")
    }

    @Test func errorsDescribeThemselves() {
        let error = CBORError(.truncated, "input ends", offset: 7)
        #expect(error.description == "cbor_truncated: input ends at byte offset 7")
        #expect(CBORError(.duplicateKey, "map has the key 1 twice").message == "map has the key 1 twice")
        #expect(Set(CBORError.Kind.allCases.map(\.rawValue)).count == CBORError.Kind.allCases.count)
    }
}
