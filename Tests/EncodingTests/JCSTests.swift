import Encoding
import Testing

@Suite("JCS")
struct JCSTests {
    private func canonical(_ value: JSONValue) throws -> String {
        String(decoding: try JCS.canonicalize(value), as: UTF8.self)
    }

    @Test func sortsKeysByUTF16CodeUnits() throws {
        // RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33, though its
        // scalar value and its UTF-8 bytes are larger.
        let keys = ["\u{20ac}", "\r", "\u{fb33}", "1", "\u{1F600}", "\u{80}", "\u{f6}"]
        let object = try JSONObject(keys.map { ($0, JSONValue.string($0)) })
        let output = try JCS.canonicalize(.object(object))
        let order = try #require(JSONValue(parsing: output).objectValue).keys
        #expect(order == ["\r", "1", "\u{80}", "\u{f6}", "\u{20ac}", "\u{1F600}", "\u{fb33}"])
        // The same order as Swift's own UTF-16 comparison.
        #expect(order == keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) })
    }

    @Test func sortOrderAgreesWithUTF16AcrossPlanes() throws {
        let samples = [
            "", "a", "ab", "b", "\u{7f}", "\u{80}", "\u{7ff}", "\u{800}", "\u{d7ff}", "\u{e000}",
            "\u{ffff}", "\u{10000}", "\u{10ffff}", "\u{1F600}", "\u{1F600}a", "\u{fb33}", "a\u{1F600}",
            "a\u{fb33}", "\u{e000}\u{10000}", "\u{10000}\u{e000}",
        ]
        let object = try JSONObject(samples.enumerated().map { ($1, JSONValue.number(Double($0))) })
        let order = try #require(JSONValue(parsing: JCS.canonicalize(.object(object))).objectValue).keys
        #expect(order == samples.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) })
    }

    @Test func sortsNestedObjectsAndKeepsArrayOrder() throws {
        let value: JSONValue = [
            "b": [3, 1, ["z": 1, "y": 2]],
            "a": ["d": true, "c": nil],
        ]
        #expect(try canonical(value) == #"{"a":{"c":null,"d":true},"b":[3,1,{"y":2,"z":1}]}"#)
    }

    @Test func escapesOnlyWhatRFC8785Requires() throws {
        var controls = ""
        for scalar in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        let output = try canonical(.string(controls + "\"\\/\u{7f}é€😀"))
        let expected =
            #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#
            + "\\\"\\\\/\u{7f}é€😀\""
        #expect(output == expected)
    }

    @Test func numbersUseECMAScriptForm() throws {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (100, "100"), (1.5, "1.5"), (-1.5, "-1.5"),
            (0.1, "0.1"), (1e-5, "0.00001"), (1e-6, "0.000001"), (1e-7, "1e-7"), (2e-7, "2e-7"),
            (1.25e-7, "1.25e-7"), (123_456_789, "123456789"), (1e20, "100000000000000000000"),
            (1e21, "1e+21"), (1.5e21, "1.5e+21"), (1e300, "1e+300"), (9_007_199_254_740_991, "9007199254740991"),
            (9_007_199_254_740_992, "9007199254740992"), (18_014_398_509_481_984, "18014398509481984"),
            (4.5, "4.5"), (0.002, "0.002"), (1e-27, "1e-27"), (123.456, "123.456"),
            (5e-324, "5e-324"), (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"), (1e16, "10000000000000000"),
            (12345678.9, "12345678.9"), (0.000123, "0.000123"),
        ]
        for (value, expected) in cases {
            #expect(try ES6Number.format(value) == expected, "\(value)")
        }
    }

    @Test func nonFiniteNumbersAreErrors() throws {
        for value in [Double.nan, .infinity, -.infinity, .signalingNaN] {
            let direct = try #require(throws: JSONError.self) { try ES6Number.format(value) }
            #expect(direct.code == "json_number_not_finite")
            let nested = try #require(throws: JSONError.self) {
                try JCS.canonicalize(["a": [1, ["b": .number(value)]]])
            }
            #expect(nested.code == "json_number_not_finite")
        }
    }

    @Test func formattedNumbersRoundTrip() throws {
        // Deterministic xorshift sample over all bit patterns: the text must parse back exactly.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let value = Double(bitPattern: state)
            guard value.isFinite else { continue }
            let text = try ES6Number.format(value)
            #expect(Double(text) == value, "\(text)")
            #expect(try JSONValue(parsing: text).doubleValue == value, "\(text)")
        }
    }

    @Test func canonicalizesFromBytesWithStrictParsing() throws {
        let input = Array(#"  {"b" : [1.0, 2e0, "x"], "a": {}}  "#.utf8)
        #expect(try JCS.canonicalize(json: input) == Array(#"{"a":{},"b":[1,2,"x"]}"#.utf8))
        let duplicate = try #require(throws: JSONError.self) {
            try JCS.canonicalize(json: Array(#"{"a":1,"a":2}"#.utf8))
        }
        #expect(duplicate.code == "json_duplicate_key")
    }

    @Test func canonicalFormIgnoresMemberOrder() throws {
        let first = try JSONValue(parsing: #"{"x":1,"y":{"q":[1,2],"p":"s"}}"#)
        let second = try JSONValue(parsing: #"{"y":{"p":"s","q":[1,2]},"x":1}"#)
        #expect(try JCS.canonicalize(first) == JCS.canonicalize(second))
    }
}
