import Encoding
import Testing
import VectorSupport

/// Hostile input: deep nesting, huge declared lengths and random bytes must end in a coded
/// error, never a crash, an unbounded allocation or a stack overflow.
@Suite struct CBORHostileInputTests {
    /// 10,000 nested arrays, indefinite arrays, tags and map keys.
    @Test(arguments: [UInt8(0x81), 0x9f, 0xc6, 0xa1])
    func deepNestingStopsAtTheLimit(opener: UInt8) throws {
        let input = Array(repeating: opener, count: 10_000) + [0x00]
        let error = try #require(throws: CBORError.self) { try CBOR.decode(input) }
        #expect(error.code == "cbor_depth_exceeded")
        #expect(error.offset == 65)
    }

    @Test func depthLimitIsExact() throws {
        let limit = CBORDecodingOptions.standard.maxDepth
        let atLimit = Array(repeating: UInt8(0x81), count: limit) + [0x00]
        #expect(try CBOR.decode(atLimit).arrayValue != nil)
        let beyond = Array(repeating: UInt8(0x81), count: limit + 1) + [0x00]
        #expect(try #require(throws: CBORError.self) { try CBOR.decode(beyond) }.code == "cbor_depth_exceeded")
        let shallow = CBORDecodingOptions(maxDepth: 2)
        #expect(throws: CBORError.self) { try CBOR.decode(cborBytes("8181810000"), options: shallow) }
    }

    /// Heads declaring 2^62 (or 2^32 − 1) bytes, elements or entries fail before any allocation.
    @Test(arguments: [
        ("5b4000000000000000", 0), ("7b4000000000000000", 0), ("9b4000000000000000", 0),
        ("bb4000000000000000", 0), ("9affffffff00", 0), ("5f5b4000000000000000ff", 1), ("825b400000000000000000", 1),
    ])
    func hugeDeclaredLengths(input: String, offset: Int) throws {
        let error = try #require(throws: CBORError.self) { try CBOR.decode(cborBytes(input)) }
        #expect(error.code == "cbor_length_exceeds_input")
        #expect(error.offset == offset)
    }

    @Test func itemLimit() throws {
        let input = [0x8a] + Array(repeating: UInt8(0), count: 10)
        #expect(try CBOR.decode(input, options: CBORDecodingOptions(maxItems: 11)).arrayValue?.count == 10)
        let error = try #require(throws: CBORError.self) {
            try CBOR.decode(input, options: CBORDecodingOptions(maxItems: 10))
        }
        #expect(error.code == "cbor_too_many_items")
        let chunks = try cborBytes("5f41014101410141014101ff")
        #expect(throws: CBORError.self) { try CBOR.decode(chunks, options: CBORDecodingOptions(maxItems: 5)) }
    }

    /// Text strings are accepted exactly when the standard library's validator accepts their
    /// bytes: random short byte runs, weighted towards multi-byte lead and continuation bytes.
    @Test func textValidationAgreesWithTheStandardLibrary() throws {
        var random = SeededRandom(seed: 0x7574_6638)
        let interesting: [UInt8] = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed,
                                    0xef, 0xf0, 0xf4, 0xf5, 0xff]
        var accepted = 0
        for _ in 0..<5_000 {
            let utf8 = (0..<Int.random(in: 0...8, using: &random)).map { _ in
                Bool.random(using: &random)
                    ? interesting[Int.random(in: 0..<interesting.count, using: &random)]
                    : UInt8.random(in: 0...255, using: &random)
            }
            let expected = String(validating: utf8, as: UTF8.self)
            do {
                let item = try CBOR.decode([0x60 | UInt8(utf8.count)] + utf8)
                #expect(expected != nil && item.textValue.map { Array($0.utf8) } == utf8, "\(cborHex(utf8))")
                accepted += 1
            } catch {
                #expect(expected == nil && error.code == "cbor_invalid_utf8", "\(cborHex(utf8))")
            }
        }
        #expect(accepted > 500 && accepted < 4_500)
    }

    /// 10,000 random short inputs and 10,000 mutations of valid encodings, under both rule sets.
    /// Each either fails with a known code or decodes to an item whose deterministic encoding
    /// decodes back to the same item; anything the deterministic decoder accepts re-encodes to
    /// exactly the input (the encoding is unique).
    @Test func fuzz() throws {
        var random = SeededRandom(seed: 0x6675_7a7a)
        var generator = CBORItemGenerator(seed: 0x5eed)
        var inputs: [[UInt8]] = []
        for _ in 0..<10_000 {
            let count = Int.random(in: 0...24, using: &random)
            inputs.append((0..<count).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        while inputs.count < 20_000 {
            var encoded = try generator.item().encode()
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let index = Int.random(in: 0..<encoded.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: encoded[index] = UInt8.random(in: 0...255, using: &random)
                case 1: encoded.removeSubrange(index...)
                case 2: encoded.insert(UInt8.random(in: 0...255, using: &random), at: index)
                default: encoded[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
                }
                if encoded.isEmpty { break }
            }
            inputs.append(encoded)
        }

        var decoded = (standard: 0, deterministic: 0)
        for input in inputs {
            do {
                let item = try CBOR.decode(input)
                decoded.standard += 1
                if let encoded = try? item.encode() {
                    #expect(try CBOR.decode(encoded, options: .deterministic) == item, "\(cborHex(input))")
                }
            } catch {
                #expect(CBORError.Kind(rawValue: error.code) != nil)
            }
            do {
                let item = try CBOR.decode(input, options: .deterministic)
                decoded.deterministic += 1
                #expect(cborHex(try item.encode()) == cborHex(input))
            } catch {
                #expect(CBORError.Kind(rawValue: error.code) != nil)
            }
        }
        // Both outcomes occur often enough for the properties above to mean something.
        #expect(decoded.standard > 1_000 && decoded.standard < 19_000)
        #expect(decoded.deterministic > 1_000)
    }
}
