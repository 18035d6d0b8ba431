import Encoding
import Testing
import VectorSupport

@Suite struct HexTests {
    @Test func encodesLowercase() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF]) == "00017f80abff")
    }

    @Test func decodesEitherCase() throws {
        #expect(try Hex.decode("") == [])
        #expect(try Hex.decode("00017f80abff") == [0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF])
        #expect(try Hex.decode("00017F80ABFF") == [0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF])
    }

    @Test func roundTripsRandomBytes() throws {
        var random = SeededRandom(seed: 0x4845_5821)
        for length in 0..<200 {
            let bytes = random.bytes(count: length)
            let hex = Hex.encode(bytes)
            #expect(hex == Vectors.hex(bytes))
            #expect(try Hex.decode(hex) == bytes)
        }
    }

    @Test(arguments: [
        ("0", "an even number of digits"),
        ("abc", "an even number of digits"),
        ("0g", "'g' at offset 1"),
        ("zz", "'z' at offset 0"),
        ("00 1", "byte 0x20 at offset 2"),
        ("0x00", "'x' at offset 1"),
        ("é", "byte 0xc3 at offset 0"),
    ])
    func rejectsMalformedHex(input: String, detail: String) {
        let error = #expect(throws: BaseEncodingError.self) { try Hex.decode(input) }
        #expect(error?.code == "invalid_hex")
        #expect(error?.message.contains(detail) == true, "\(error?.message ?? "")")
    }
}
