import Encoding
import Testing
import VectorSupport

@Suite struct VarintTests {
    /// Examples from the multiformats unsigned-varint specification.
    @Test(arguments: [
        (UInt64(1), "01"), (127, "7f"), (128, "8001"), (255, "ff01"), (300, "ac02"), (16384, "808001"),
        (0, "00"), (UInt64(1) << 63 - 1, "ffffffffffffffff7f"),
    ])
    func specExamples(value: UInt64, hex: String) throws {
        #expect(Vectors.hex(Varint.encode(value)) == hex)
        let bytes = try #require(Vectors.bytes(hex: hex))
        let decoded = try Varint.decode(bytes)
        #expect(decoded.value == value)
        #expect(decoded.length == bytes.count)
    }

    /// Multicodec headers of the keys in the did:key spec vectors.
    @Test(.vectors) func didKeyMulticodecPrefixes() throws {
        let root = try #require(try Vectors.json("did-key/spec-test-vectors.json") as? [String: Any])
        let dids = try #require(root["dids"] as? [[String: Any]])
        for did in dids {
            let codeText = try #require((did["multicodec"] as? String)?.dropFirst(2))
            let code = try #require(UInt64(codeText, radix: 16))
            let prefix = try #require(did["multicodec_varint_prefix_hex"] as? String)
            #expect(Vectors.hex(Varint.encode(code)) == prefix)
            let rawHex = try #require(did["raw_public_key_hex"] as? String)
            let raw = try #require(Vectors.bytes(hex: rawHex))
            let header = try #require(Vectors.bytes(hex: prefix))
            #expect(Multicodec.prefix(code, to: raw) == header + raw)
            let split = try Multicodec.split(header + raw)
            #expect(split.code == code)
            #expect(split.payload == raw)
        }
        #expect(dids.count == 8)
    }

    @Test func reportsLengthBeforeTrailingBytes() throws {
        let decoded = try Varint.decode([0x80, 0x24, 0x03, 0x8A])
        #expect(decoded.value == 0x1200)
        #expect(decoded.length == 2)
        #expect(try Varint.decode([0x80, 0x24, 0x03, 0x8A][1...]) == (0x24, 1))
    }

    @Test func roundTripsRandomValues() throws {
        var random = SeededRandom(seed: 0x7661_7269_6E74)
        for _ in 0..<1000 {
            let value = random.next() >> (1 + random.next() % 63)
            let bytes = Varint.encode(value)
            #expect(bytes.count == max(1, (64 - value.leadingZeroBitCount + 6) / 7))
            #expect(try Varint.decode(bytes + [0xFF]) == (value, bytes.count))
        }
    }

    @Test(arguments: [
        ([], "empty_input"),
        ([0x80], "invalid_varint"),
        ([0xFF, 0xFF], "invalid_varint"),
        ([0x80, 0x00], "varint_not_minimal"),
        ([0x81, 0x80, 0x00], "varint_not_minimal"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00], "varint_overflow"),
        ([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], "varint_overflow"),
        ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "varint_overflow"),
    ] as [([UInt8], String)])
    func rejectsBadVarints(bytes: [UInt8], code: String) {
        let varint = #expect(throws: BaseEncodingError.self) { try Varint.decode(bytes) }
        #expect(varint?.code == code)
        let multicodec = #expect(throws: BaseEncodingError.self) { try Multicodec.split(bytes) }
        #expect(multicodec?.code == code)
    }

    /// 2^63 and above take 10 bytes, beyond what multiformats allows, so they do not decode.
    @Test func valuesAboveSixtyThreeBitsAreRefused() {
        let bytes = Varint.encode(UInt64.max)
        #expect(bytes.count == 10)
        let error = #expect(throws: BaseEncodingError.self) { try Varint.decode(bytes) }
        #expect(error?.code == "varint_overflow")
    }
}
