import Encoding
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    private func parseError(_ text: String, limits: JSONLimits = .default) throws -> JSONError {
        try #require(throws: JSONError.self) { try JSONValue(parsing: text, limits: limits) }
    }

    private func parseError(bytes: [UInt8]) throws -> JSONError {
        try #require(throws: JSONError.self) { try JSONValue(parsing: bytes) }
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue(
            parsing: #" {"n": null, "t": true, "f": false, "i": -12, "d": 0.5e1, "s": "x", "a": [], "o": {}} "#)
        #expect(
            value == [
                "n": nil, "t": true, "f": false, "i": -12, "d": 5, "s": "x", "a": [], "o": [:],
            ])
        #expect(try JSONValue(parsing: "\t\r\n 42 \n") == 42)
        #expect(try JSONValue(parsing: #""top""#) == "top")
    }

    @Test func keepsMemberOrderForDisplay() throws {
        let object = try #require(JSONValue(parsing: #"{"z":1,"a":2,"m":3}"#).objectValue)
        #expect(object.keys == ["z", "a", "m"])
    }

    @Test(arguments: [
        "", " ", "[1,]", #"{"a":1,}"#, "[1 2]", #"{"a" 1}"#, #"{"a":1 "b":2}"#, "{a:1}", "[01]", "-01", "1.",
        ".5", "+1", "1e", "1e+", "-", "NaN", "Infinity", "-Infinity", "nul", "tru", "[true false]", "[1]x",
        "1 2", "[", "{", #"{"a""#, #"{"a":"#, #"["a"#, "// c\n1", "/* c */ 1", "'a'", "[1,,2]", "\u{feff}1",
        "0x10", "[-]", "\u{0}", "1\u{0}",
    ])
    func rejectsMalformedText(text: String) throws {
        #expect(try parseError(text).code == "json_syntax")
    }

    @Test func rejectsUnescapedControlCharacters() throws {
        let error = try parseError("\"a\u{1}b\"")
        #expect(error.code == "json_syntax")
        #expect(try parseError("\"line\nbreak\"").code == "json_syntax")
        #expect(try parseError("\"tab\t\"").code == "json_syntax")
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22],  // never valid
            [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate D800
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xC3, 0x22],  // truncated
            [0x22, 0xE2, 0x82],  // truncated at end of input
            [0x22, 0x80, 0x22],  // lone continuation byte
            [0x22, 0x5C, 0x6E, 0xF8, 0x22],  // invalid after an escape
        ] as [[UInt8]])
    func rejectsInvalidUTF8InStrings(bytes: [UInt8]) throws {
        #expect(try parseError(bytes: bytes).code == "json_invalid_utf8")
    }

    @Test func acceptsWellFormedUTF8() throws {
        let text = "\"aé€😀\u{10ffff}\u{e000}\u{ffff}\""
        #expect(try JSONValue(parsing: Array(text.utf8)) == .string("aé€😀\u{10ffff}\u{e000}\u{ffff}"))
    }

    @Test func bytesOutsideStringsMustBeJSON() throws {
        #expect(try parseError(bytes: [0x5B, 0xFF, 0x5D]).code == "json_syntax")
        #expect(try parseError("[é]").code == "json_syntax")
    }

    @Test func decodesEscapes() throws {
        let value = try JSONValue(parsing: #""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00\u0000""#)
        #expect(value == .string("\"\\/\u{8}\u{c}\n\r\tAé€😀\u{0}"))
    }

    @Test(arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\U0041""#, #""\'""#, #""\"#, #""\u"#])
    func rejectsInvalidEscapes(text: String) throws {
        let code = try parseError(text).code
        // A backslash at the very end is an unterminated string rather than a bad escape.
        #expect(code == (text == #""\"# ? "json_syntax" : "json_invalid_escape"))
    }

    @Test(arguments: [
        #""\ud800""#, #""\udc00""#, #""\ud800x""#, #""\ud800\u0041""#, #""\ud800\ud800""#, #""\ude00\ud83d""#,
        #"{"\udfff":1}"#,
    ])
    func rejectsLoneSurrogates(text: String) throws {
        #expect(try parseError(text).code == "json_lone_surrogate")
    }

    @Test func rejectsDuplicateKeysWithPath() throws {
        let error = try parseError(#"{"a": [1, {"x": 1, "b/c~": 2, "b/c~": 3}]}"#)
        #expect(error.code == "json_duplicate_key")
        #expect(error.path == "/a/1/b~1c~0")
        #expect(error.offset == 30)
        #expect(error.message.contains("b/c~"))
        #expect(error.message.contains("/a/1/b~1c~0"))
        // Duplicates are found in large objects too, and escapes do not hide them.
        let many = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(try parseError("{\(many),\"k57\":0}").path == "/k57")
        #expect(try parseError(#"{"a":1,"\u0061":2}"#).code == "json_duplicate_key")
        // The same name in different objects is fine.
        #expect(throws: Never.self) { try JSONValue(parsing: #"{"a":{"a":1},"b":{"a":2}}"#) }
    }

    @Test func messagesQuoteLongInputBriefly() throws {
        let longKey = String(repeating: "k", count: 10_000)
        let duplicate = try parseError("{\"\(longKey)\":1,\"\(longKey)\":2}")
        #expect(duplicate.code == "json_duplicate_key")
        #expect(duplicate.path == "/" + longKey)
        #expect(duplicate.message.count < 300)

        let huge = try parseError("1" + String(repeating: "0", count: 400))
        #expect(huge.code == "json_number_out_of_range")
        #expect(huge.message.count < 300)
    }

    @Test func reportsLineAndColumn() throws {
        let error = try parseError("{\n  \"é\": [1,\n    2,,\n  ]\n}")
        #expect(error.code == "json_syntax")
        #expect(error.line == 3)
        #expect(error.column == 7)
        #expect(error.offset == 20)
        #expect(error.message.contains("line 3, column 7"))
        #expect(error.path == "/é/2")
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let deep = try parseError(bytes: Array(repeating: UInt8(ascii: "["), count: 100_000))
        #expect(deep.code == "json_depth_exceeded")
        #expect(deep.offset == 128)

        let objects = String(repeating: #"{"a":"#, count: 200)
        #expect(try parseError(objects).code == "json_depth_exceeded")

        let atLimit = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(throws: Never.self) { try JSONValue(parsing: atLimit) }
        let overLimit = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(try parseError(overLimit).code == "json_depth_exceeded")

        let shallow = JSONLimits(maxDepth: 2)
        #expect(throws: Never.self) { try JSONValue(parsing: "[{}]", limits: shallow) }
        #expect(try parseError("[[[]]]", limits: shallow).code == "json_depth_exceeded")
    }

    @Test func enforcesSizeLimits() throws {
        let small = JSONLimits(maxInputBytes: 10)
        #expect(throws: Never.self) { try JSONValue(parsing: "[1,2,3,4]", limits: small) }
        #expect(try parseError("[1,2,3,4,5]", limits: small).code == "json_too_large")

        let shortStrings = JSONLimits(maxStringBytes: 4)
        #expect(throws: Never.self) { try JSONValue(parsing: #"["abcd","\u00e9\u00e9"]"#, limits: shortStrings) }
        #expect(try parseError(#"["abcde"]"#, limits: shortStrings).code == "json_string_too_long")
        #expect(try parseError(#"["ab\ncd"]"#, limits: shortStrings).code == "json_string_too_long")
        #expect(try parseError(#"{"abcde":1}"#, limits: shortStrings).code == "json_string_too_long")
    }

    @Test(arguments: [
        "0", "-0", "1", "-1", "0.1", "0.3", "1e23", "8.41e21", "5e-324", "2.4703282292062328e-324",
        "2.2250738585072011e-308", "2.2250738585072012e-308", "1.7976931348623157e308", "9007199254740993",
        "123456789012345678901234567890", "0.1000000000000000055511151231257827021181583404541015625",
        "1E2", "1e+2", "12.5E-3", "4.35", "3.0000000000000004",
        "1.00000000000000011102230246251565404236316680908203125",
        "7.3177701707893310e+15", "1e-400", "144115188075855877", "0.000000000000000000000000000000000001",
    ])
    func numbersAreCorrectlyRounded(text: String) throws {
        // Swift's Double(String) is correctly rounded (IEEE-754 round to nearest, ties to even).
        let expected = try #require(Double(text))
        let parsed = try #require(JSONValue(parsing: text).doubleValue)
        #expect(parsed.bitPattern == expected.bitPattern, "\(text)")
    }

    @Test func negativeZeroKeepsItsSign() throws {
        let value = try #require(JSONValue(parsing: "-0.0").doubleValue)
        #expect(value == 0 && value.sign == .minus)
    }

    @Test(arguments: ["1e309", "-1e309", "1.8e308", "123e99999999999999999999", "[1, 2e400]"])
    func rejectsNumbersOutOfRange(text: String) throws {
        #expect(try parseError(text).code == "json_number_out_of_range")
    }

    @Test func parsesFromAnyByteCollection() throws {
        let bytes = Array(#"{"a":[1,"b"]}"#.utf8)
        let expected: JSONValue = ["a": [1, "b"]]
        #expect(try JSONValue(parsing: bytes) == expected)
        #expect(try JSONValue(parsing: bytes[...]) == expected)
        // A collection without contiguous storage.
        #expect(try JSONValue(parsing: bytes.lazy.map { $0 }) == expected)
    }

    @Test func everyErrorHasAStableCodeAndALocation() throws {
        let error = try parseError("[1, ?]")
        #expect(error.kind == .syntax)
        #expect(error.code == JSONError.Kind.syntax.rawValue)
        #expect(error.offset == 4)
        #expect(error.description.hasPrefix("json_syntax: "))
        #expect(error.message.contains("'?'"))
        #expect(Set(JSONError.Kind.allCases.map(\.rawValue)).count == JSONError.Kind.allCases.count)
    }
}
