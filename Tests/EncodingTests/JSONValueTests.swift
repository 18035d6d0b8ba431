import Encoding
import Testing

@Suite("JSON value and object")
struct JSONValueTests {
    @Test func objectKeepsArrivalOrderAndLooksUpByKey() throws {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = 3
        object["b"] = 10
        #expect(object.keys == ["b", "a", "c"])
        #expect(object.values == [10, 2, 3])
        #expect(object["a"] == 2)
        #expect(object["missing"] == nil)
        #expect(object.count == 3)
        #expect(object.map(\.key) == ["b", "a", "c"])
        #expect(object[1].key == "a" && object[1].value == 2)

        #expect(object.removeValue(forKey: "b") == 10)
        #expect(object.removeValue(forKey: "b") == nil)
        #expect(object.keys == ["a", "c"])
        object["a"] = nil
        #expect(object.keys == ["c"])
        #expect(!object.contains("a") && object.contains("c"))
    }

    @Test func largeObjectsStayConsistent() throws {
        var object = JSONObject()
        for index in 0..<200 { object["k\(index)"] = .number(Double(index)) }
        #expect(object.count == 200)
        #expect(object["k150"] == 150)
        for index in stride(from: 0, to: 200, by: 2) { object.removeValue(forKey: "k\(index)") }
        #expect(object.count == 100)
        #expect(object["k150"] == nil)
        #expect(object["k151"] == 151)
        #expect(object.keys.first == "k1" && object.keys.last == "k199")
        object["k0"] = "back"
        #expect(object.keys.last == "k0")
        #expect(object["k0"] == "back")
        for index in stride(from: 1, to: 200, by: 2) { object["k\(index)"] = nil }
        #expect(object.keys == ["k0"])
        #expect(object["k0"] == "back")
    }

    @Test func initFromPairsRejectsDuplicates() throws {
        let object = try JSONObject([("x", 1), ("y", "two")])
        #expect(object.keys == ["x", "y"])
        let error = try #require(throws: JSONError.self) { try JSONObject([("x", 1), ("x", 2)]) }
        #expect(error.code == "json_duplicate_key")
        #expect(error.path == "/x")
    }

    @Test func equalityAndHashingIgnoreMemberOrder() throws {
        let first: JSONValue = ["a": 1, "b": ["c": [1, 2], "d": nil]]
        let second: JSONValue = ["b": ["d": nil, "c": [1, 2]], "a": 1]
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(Set([first, second]).count == 1)
        // Arrays are ordered; values and member counts matter.
        #expect(first != ["a": 1, "b": ["c": [2, 1], "d": nil]])
        #expect(first != ["a": 1])
        #expect(first != ["a": 2, "b": ["c": [1, 2], "d": nil]])
        #expect(JSONValue.object(["a": 1]) != .object(["b": 1]))
        #expect(JSONValue.number(0) == .number(-0.0))
    }

    @Test func canonicallyEquivalentStringsStayDistinct() throws {
        let composed = "\u{e9}"
        let decomposed = "e\u{301}"
        #expect(composed == decomposed)  // Swift's String equality is canonical equivalence...
        #expect(JSONValue.string(composed) != .string(decomposed))  // ...JSON's is not.
        #expect(Set<JSONValue>([.string(composed), .string(decomposed)]).count == 2)

        let parsed = try JSONValue(parsing: #"{"\u00e9":1,"e\u0301":2}"#)
        #expect(parsed[composed] == 1)
        #expect(parsed[decomposed] == 2)
        #expect(parsed != ["\u{e9}": 2, "e\u{301}": 1])
        #expect(String(decoding: try JCS.canonicalize(parsed), as: UTF8.self) == "{\"e\u{301}\":2,\"\u{e9}\":1}")

        var large = JSONObject()
        for index in 0..<20 { large["k\(index)"] = 0 }
        large[composed] = 1
        large[decomposed] = 2
        #expect(large.count == 22)
        #expect(large[composed] == 1 && large[decomposed] == 2)
    }

    @Test func accessors() throws {
        let value: JSONValue = ["s": "text", "n": 1.5, "b": true, "z": nil, "a": [1, "x"], "o": ["k": "v"]]
        #expect(value["s"]?.stringValue == "text")
        #expect(value["n"]?.doubleValue == 1.5)
        #expect(value["b"]?.boolValue == true)
        #expect(value["z"]?.isNull == true)
        #expect(value["a"]?.arrayValue?.count == 2)
        #expect(value["a"]?[1] == "x")
        #expect(value["a"]?[2] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["o"]?["k"] == "v")
        #expect(value["o"]?.objectValue?.keys == ["k"])
        #expect(value["missing"] == nil)
        // Wrong kinds give nil rather than trapping.
        #expect(value["s"]?.doubleValue == nil)
        #expect(value["s"]?["k"] == nil)
        #expect(value["s"]?[0] == nil)
        #expect(value[0] == nil)
        #expect(value.stringValue == nil && value.arrayValue == nil && value.boolValue == nil)
        #expect(!value.isNull)
    }

    @Test func literals() throws {
        #expect(JSONValue(nilLiteral: ()) == .null)
        let value: JSONValue = [nil, true, 7, 2.5, "s", [1], ["k": 1]]
        #expect(
            value
                == .array([
                    .null, .bool(true), .number(7), .number(2.5), .string("s"), .array([.number(1)]),
                    .object(try JSONObject([("k", .number(1))])),
                ]))
    }

    @Test func descriptionIsCompactJSONInArrivalOrder() {
        let value: JSONValue = ["z": [1, "a"], "a": nil]
        #expect(value.description == #"{"z":[1,"a"],"a":null}"#)
        #expect(value.objectValue?.description == value.description)
    }
}
