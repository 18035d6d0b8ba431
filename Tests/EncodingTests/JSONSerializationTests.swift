import Encoding
import Testing

@Suite("JSON serialization and bridging")
struct JSONSerializationTests {
    @Test func compactKeepsMemberOrder() throws {
        let value = try JSONValue(parsing: #"{ "z" : [ 1.50, true, null ], "a" : { "\u00e9" : "x\/y" } }"#)
        #expect(value.serializedString() == #"{"z":[1.5,true,null],"a":{"é":"x/y"}}"#)
    }

    @Test func prettyPrinting() {
        let value: JSONValue = ["name": "cell", "ids": [1, 2], "empty": [:], "none": [], "nested": ["k": nil]]
        let expected = """
            {
              "name": "cell",
              "ids": [
                1,
                2
              ],
              "empty": {},
              "none": [],
              "nested": {
                "k": null
              }
            }
            """
        #expect(value.serializedString(pretty: true) == expected)
        #expect(JSONValue.string("x").serializedString(pretty: true) == #""x""#)
    }

    @Test func escapesStrings() {
        let value = JSONValue.string("q\"b\\s/\u{0}\u{1f}\n\t\u{7f}€")
        #expect(value.serializedString() == #""q\"b\\s/\u0000\u001f\n\t"# + "\u{7f}€\"")
    }

    @Test func nonFiniteNumbersBecomeNullForDisplay() {
        let value: JSONValue = [.number(.nan), .number(.infinity), .number(-.infinity), 1]
        #expect(value.serializedString() == "[null,null,null,1]")
    }

    @Test func serializationRoundTrips() throws {
        let text = #"{"b":[1e-7,-0.5,123456789012,{"c":"\u0001é😀"}],"a":{"x":[[],{}]},"d":false}"#
        let value = try JSONValue(parsing: text)
        #expect(value.serializedString() == text)
        #expect(try JSONValue(parsing: value.serialized()) == value)
        #expect(try JSONValue(parsing: value.serialized(pretty: true)) == value)
    }

    @Test func deepValuesSerializeWithoutRecursion() throws {
        var value: JSONValue = 0
        for _ in 0..<1_000 { value = ["k": [value]] }
        let text = value.serialized()
        #expect(text.count == 1_000 * 8 + 1)
        let canonicalMatches = try JCS.canonicalize(value) == text
        #expect(canonicalMatches)
    }

    private struct Battery: Codable, Equatable {
        var id: String
        var capacityAh: Double
        var cells: [Int]
        var chemistry: String?
    }

    @Test func bridgesCodableTypes() throws {
        let battery = Battery(id: "urn:cell:1", capacityAh: 4.8, cells: [1, 2, 3], chemistry: nil)
        let value = try JSONValue(encoding: battery)
        #expect(value["id"] == "urn:cell:1")
        #expect(value["capacityAh"] == 4.8)
        #expect(value["cells"] == [1, 2, 3])
        #expect(value["chemistry"] == nil)
        #expect(try value.decode(Battery.self) == battery)

        let wrong: JSONValue = ["id": 1]
        let error = try #require(throws: JSONError.self) { try wrong.decode(Battery.self) }
        #expect(error.code == "json_decoding_failed")
        let notFinite = try #require(throws: JSONError.self) { try JSONValue(encoding: [Double.nan]) }
        #expect(notFinite.code == "json_encoding_failed")
    }
}
