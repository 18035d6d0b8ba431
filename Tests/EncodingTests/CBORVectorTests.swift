import Encoding
import Foundation
import Testing
import VectorSupport

/// RFC 8949 against the published vectors in ../shared/vectors/cbor (see its README).
@Suite struct CBORVectorTests {
    // MARK: - cbor/test-vectors appendix_a.json

    /// `f818` is `simple(24)` in RFC 7049's Appendix A, which appendix_a.json copies. RFC 8949 §3.3
    /// made two-byte simple values below 32 not well-formed, and its Appendix A dropped the example.
    static let notWellFormedUnderRFC8949 = ["f818"]

    @Test(.vectors) func appendixA() throws {
        let entries = try #require(try Vectors.json("cbor/appendix_a.json") as? [[String: Any]])
        #expect(entries.count == 82)
        var checked = (decoded: 0, roundtrip: 0, diagnostic: 0)
        for entry in entries {
            let hexString = try #require(entry["hex"] as? String)
            let encoded = try cborBytes(hexString)
            let base64 = try #require(entry["cbor"] as? String)
            #expect(Data(base64Encoded: base64).map(Array.init) == encoded, "cbor and hex differ: \(hexString)")

            if Self.notWellFormedUnderRFC8949.contains(hexString) {
                #expect(throws: CBORError.self) { try CBOR.decode(encoded) }
                continue
            }
            let item = try CBOR.decode(encoded)
            if let expected = entry["decoded"] {
                #expect(jsonMatches(item, expected), "\(hexString): decoded \(item), expected \(expected)")
                checked.decoded += 1
            } else {
                let diagnostic = try #require(entry["diagnostic"] as? String)
                #expect(try CBOR.diagnostic(encoded: encoded) == diagnostic, "\(hexString)")
                checked.diagnostic += 1
            }
            if entry["roundtrip"] as? Bool == true {
                #expect(cborHex(try item.encode()) == hexString)
                checked.roundtrip += 1
            }
        }
        #expect(checked.decoded == 59)
        #expect(checked.diagnostic == 22)
        #expect(checked.roundtrip == 64)
    }

    // MARK: - cbor-wg/cbor-test-vectors (files that are CBOR themselves)

    /// The vector files nest ~515 deep (their "deeply-nested" cases), so they are read with a higher limit.
    static let deep = CBORDecodingOptions(maxDepth: 1024)

    static let appendixAFiles = [
        "mt0", "mt1", "mt2", "mt3", "mt4", "mt5", "mt6", "mt7-float", "mt7-simple", "streaming",
    ]

    @Test(.vectors) func cborWGGood() throws {
        let count = try runCBORWGFile("cbor/cbor-wg/rfc8949/good.cbor")
        #expect(count == 88)
    }

    @Test(.vectors) func cborWGBad() throws {
        let count = try runCBORWGFile("cbor/cbor-wg/rfc8949/bad.cbor")
        #expect(count == 47)
    }

    @Test(.vectors, arguments: appendixAFiles) func cborWGAppendixA(name: String) throws {
        let count = try runCBORWGFile("cbor/cbor-wg/rfc8949-appendixA/\(name).cbor")
        #expect(count > 0)
    }

    /// Runs every test of one file and returns how many there were.
    private func runCBORWGFile(_ path: String) throws -> Int {
        let file = try CBOR.decode(Vectors.data(path), options: Self.deep)
        let fileFails = file["fail"]?.boolValue ?? false
        let tests = try #require(file["tests"]?.arrayValue, "\(path) has no tests array")
        for test in tests {
            let description = test["description"]?.textValue ?? "?"
            let encoded = try #require(test["encoded"]?.bytesValue, "\(path): \(description) has no encoded bytes")
            if test["fail"]?.boolValue ?? fileFails {
                do {
                    let item = try CBOR.decode(encoded, options: Self.deep)
                    Issue.record("\(path): \(description): decoded \(item) but must fail")
                } catch {
                    #expect(CBORError.Kind(rawValue: error.code) != nil)
                }
                continue
            }
            let expected = try #require(test["decoded"], "\(path): \(description) has no decoded item")
            let item = try CBOR.decode(encoded, options: Self.deep)
            #expect(item == expected, "\(path): \(description)")
            if test["roundtrip"]?.boolValue ?? true {
                #expect(cborHex(try expected.encode()) == cborHex(encoded), "\(path): \(description)")
            }
        }
        return tests.count
    }

    // MARK: - dCBOR vectors against RFC 8949 §4.2.1

    /// Entries of dcbor/invalid.json that only dCBOR rejects: under RFC 8949 §4.2.1 they are
    /// deterministic, so the `.deterministic` decoder must accept them.
    static let dcborOnly: [String: String] = [
        "f94a00": "integral float 12.0: dCBOR reduces it to the integer 12; §4.2.1 keeps floats as floats",
        "3b8000000000000000": "65-bit negative integer: dCBOR limits integers to 64 bits; major type 1 allows -2^64",
        "3bffffffffffffffff": "-2^64: dCBOR limits integers to 64 bits; major type 1 allows it",
        "fb7ff9100000000001": "NaN with a payload that single precision cannot hold: preferred per §4.1; dCBOR demands f97e00",
        "faffc00001": "NaN with a payload that half precision cannot hold: preferred per §4.1; dCBOR demands f97e00",
        "f97e01": "NaN with a payload, in half precision already: preferred; dCBOR demands f97e00",
        "f98000": "-0.0 in half precision is preferred; dCBOR reduces it to the integer 0",
        "e0": "simple(0) is valid CBOR; dCBOR does not support it",
        "f7": "undefined is valid CBOR; dCBOR does not support it",
        "6345cc88": "text not in Unicode NFC: dCBOR requires NFC; RFC 8949 does not normalize",
    ]

    @Test(.vectors) func dcborInvalid() throws {
        let entries = try #require(try Vectors.json("cbor/dcbor/invalid.json") as? [[String: Any]])
        #expect(entries.count == 37)
        var rejected = 0
        for entry in entries {
            let hexString = try #require(entry["hex"] as? String)
            let encoded = try cborBytes(hexString)
            if Self.dcborOnly[hexString] != nil {
                let item = try CBOR.decode(encoded, options: .deterministic)
                #expect(cborHex(try item.encode()) == hexString)
                continue
            }
            #expect(throws: CBORError.self, "\(hexString) must be rejected under §4.2.1") {
                try CBOR.decode(encoded, options: .deterministic)
            }
            rejected += 1
        }
        #expect(rejected == 27)
        #expect(Set(entries.compactMap { $0["hex"] as? String }).isSuperset(of: Self.dcborOnly.keys))
    }

    /// The `roundtrip` entries of invalid.json: permissive decoding then deterministic encoding must
    /// fail. For duplicate keys even standard RFC 8949 decoding fails (such maps are not valid), so
    /// the encoder is checked with the map built directly.
    @Test(.vectors) func dcborInvalidDuplicateKeys() throws {
        for hexString in ["a280008001", "a2810000810001", "a2616101616102", "a200010002", "a229002901", "a2f5f4f5f6"] {
            let error = try #require(throws: CBORError.self) { try CBOR.decode(cborBytes(hexString)) }
            #expect(error.code == "cbor_duplicate_key", "\(hexString)")
        }
        let duplicated: CBOR = .map([CBOR.Pair([0], 0), CBOR.Pair([0], 1)])
        let error = try #require(throws: CBORError.self) { try duplicated.encode() }
        #expect(error.code == "cbor_duplicate_key")
    }

    @Test(.vectors) func dcborValid() throws {
        let entries = try #require(try Vectors.json("cbor/dcbor/valid.json") as? [[String: Any]])
        #expect(entries.count == 40)
        for entry in entries {
            let hexString = try #require(entry["hex"] as? String)
            let item = try CBOR.decode(cborBytes(hexString), options: .deterministic)
            #expect(cborHex(try item.encode()) == hexString)
        }
    }

    // MARK: - Comparing with Foundation's JSON reading of `decoded`

    /// Whether an item equals a JSON value as Foundation parsed it. Integers (including bignums)
    /// compare by their decimal digits, floats by value including the sign of zero.
    private func jsonMatches(_ item: CBOR, _ json: Any) -> Bool {
        switch item {
        case .unsigned, .negative, .tagged(2, .bytes), .tagged(3, .bytes):
            guard let number = json as? NSNumber, !isBoolean(number), let integer = item.bigIntegerValue else { return false }
            return number.description == decimal(negative: integer.negative, magnitude: integer.magnitude)
        case .float(let value):
            guard let number = json as? NSNumber, !isBoolean(number), let expected = Double(number.description) else {
                return false
            }
            return value.bitPattern == expected.bitPattern
        case .bool(let value):
            guard let number = json as? NSNumber, isBoolean(number) else { return false }
            return number.boolValue == value
        case .null:
            return json is NSNull
        case .text(let text):
            guard let string = json as? String else { return false }
            return text.utf8.elementsEqual(string.utf8)
        case .array(let elements):
            guard let array = json as? [Any], array.count == elements.count else { return false }
            return zip(elements, array).allSatisfy(jsonMatches)
        case .map(let pairs):
            guard let object = json as? [String: Any], object.count == pairs.count else { return false }
            return pairs.allSatisfy { pair in
                guard let key = pair.key.textValue, let value = object[key] else { return false }
                return jsonMatches(pair.value, value)
            }
        default:
            return false
        }
    }

    private func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    /// The decimal digits of `n` or `-1 - n`, for a big-endian magnitude `n` of any length.
    private func decimal(negative: Bool, magnitude: [UInt8]) -> String {
        var digits = magnitude
        if negative {  // -1 - n = -(n + 1)
            var index = digits.count - 1
            while index >= 0 && digits[index] == 0xff {
                digits[index] = 0
                index -= 1
            }
            if index >= 0 { digits[index] += 1 } else { digits.insert(1, at: 0) }
        }
        var decimal: [Character] = []
        while digits.contains(where: { $0 != 0 }) {
            var remainder = 0
            for index in digits.indices {
                let value = remainder * 256 + Int(digits[index])
                digits[index] = UInt8(value / 10)
                remainder = value % 10
            }
            decimal.append(Character(String(remainder)))
        }
        let body = decimal.isEmpty ? "0" : String(decimal.reversed())
        return negative ? "-" + body : body
    }
}
