import Crypto
import Encoding
import Foundation
import Testing
import VectorSupport

/// RFC 8785 against the published vectors in `jcs/` (cyberphone/json-canonicalization and the RFC).
@Suite("JCS vectors")
struct JCSVectorTests {
    static let cases = ["arrays", "french", "structures", "unicode", "values", "weird"]

    @Test(.vectors, arguments: cases)
    func inputCanonicalizesToOutput(name: String) throws {
        let input = try Vectors.data("jcs/input/\(name).json")
        let expected = try Vectors.data("jcs/output/\(name).json")
        let hexText = try String(decoding: Vectors.data("jcs/outhex/\(name).txt"), as: UTF8.self)
        let expectedFromHex = try #require(Vectors.bytes(hex: hexText))

        let canonical = try JCS.canonicalize(json: input)
        #expect(canonical == Array(expected))
        #expect(canonical == expectedFromHex)
        // Canonical output is a fixed point.
        #expect(try JCS.canonicalize(json: canonical) == canonical)
    }

    /// The canonical documents and proof configurations of the W3C eddsa-jcs-2022 and
    /// ecdsa-jcs-2019 test vectors.
    @Test(
        .vectors,
        arguments: [
            ("vc-di-eddsa/unsigned.json", "vc-di-eddsa/eddsa-jcs-2022/canonDocJCS.txt"),
            ("vc-di-eddsa/eddsa-jcs-2022/proofConfigJCS.json", "vc-di-eddsa/eddsa-jcs-2022/proofCanonJCS.txt"),
            ("vc-di-ecdsa/unsigned.json", "vc-di-ecdsa/ecdsa-jcs-2019-p256/canonDocJCSECDSAP256.txt"),
            ("vc-di-ecdsa/unsigned.json", "vc-di-ecdsa/ecdsa-jcs-2019-p384/canonDocJCSECDSAP384.txt"),
            (
                "vc-di-ecdsa/ecdsa-jcs-2019-p256/proofConfigJCSECDSAP256.json",
                "vc-di-ecdsa/ecdsa-jcs-2019-p256/proofCanonJCSECDSAP256.txt"
            ),
            (
                "vc-di-ecdsa/ecdsa-jcs-2019-p384/proofConfigJCSECDSAP384.json",
                "vc-di-ecdsa/ecdsa-jcs-2019-p384/proofCanonJCSECDSAP384.txt"
            ),
        ])
    func credentialVectorsCanonicalize(input: String, expected: String) throws {
        let canonical = try JCS.canonicalize(json: Vectors.data(input))
        #expect(canonical == Array(try Vectors.data(expected)))
    }

    @Test(.vectors)
    func rfcPrimitiveExample() throws {
        let examples = try #require(Vectors.json("jcs/rfc8785-examples.json") as? [String: Any])
        let primitive = try #require(examples["primitive_example"] as? [String: Any])
        let input = try #require(primitive["input"] as? String)
        let canonical = try #require(primitive["canonical"] as? String)
        let canonicalHex = try #require(primitive["canonical_utf8_hex"] as? String)

        let output = try JCS.canonicalize(json: Array(input.utf8))
        #expect(output == Array(canonical.utf8))
        #expect(Vectors.hex(output) == canonicalHex)
    }

    @Test(.vectors)
    func rfcSortingExample() throws {
        let examples = try #require(Vectors.json("jcs/rfc8785-examples.json") as? [String: Any])
        let sorting = try #require(examples["sorting_example"] as? [String: Any])
        let input = try #require(sorting["input"] as? String)
        let expectedOrder = try #require(sorting["expected_value_order"] as? [String])

        let output = try JCS.canonicalize(json: Array(input.utf8))
        let reparsed = try #require(JSONValue(parsing: output).objectValue)
        #expect(reparsed.values.compactMap(\.stringValue) == expectedOrder)
    }

    @Test(.vectors)
    func rfcNumberSamples() throws {
        let file = try #require(Vectors.json("jcs/rfc8785-number-samples.json") as? [String: Any])
        let samples = try #require(file["samples"] as? [[String: Any]])
        #expect(samples.count == 26)
        for sample in samples {
            let hex = try #require(sample["ieee754_hex"] as? String)
            let value = Double(bitPattern: try #require(UInt64(hex, radix: 16)))
            if sample["expect_error"] as? Bool == true {
                #expect(throws: JSONError.self, "\(hex)") { try ES6Number.format(value) }
                let error = try #require(throws: JSONError.self) { try JCS.canonicalize(.array([.number(value)])) }
                #expect(error.code == "json_number_not_finite")
            } else {
                let expected = try #require(sample["json"] as? String)
                #expect(try ES6Number.format(value) == expected, "\(hex)")
                #expect(try JCS.canonicalize(.number(value)) == Array(expected.utf8), "\(hex)")
                // The text parses back to the same double (or to zero for -0).
                #expect(try JSONValue(parsing: expected).doubleValue == value, "\(hex)")
            }
        }
    }

    @Test(.vectors)
    func es6NumbersFirst10000() throws {
        let text = try Vectors.data("jcs/es6-numbers-first10000.txt")
        let lines = text.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 10_000)
        var failures: [String] = []
        for line in lines {
            let fields = line.split(separator: UInt8(ascii: ","))
            try #require(fields.count == 2)
            let hex = String(decoding: fields[0], as: UTF8.self)
            let expected = String(decoding: fields[1], as: UTF8.self)
            let value = Double(bitPattern: try #require(UInt64(hex, radix: 16)))
            let formatted = try ES6Number.format(value)
            if formatted != expected { failures.append("\(hex): got \(formatted), want \(expected)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    /// Regenerates the upstream 100M-line test stream (the algorithm of
    /// cyberphone/json-canonicalization's number generator) for its first million lines,
    /// checks that the prefix is byte-identical to `es6-numbers-first10000.txt`, and compares
    /// each published checkpoint hash up to 1,000,000 lines.
    @Test(.vectors)
    func es6NumberStreamChecksums() throws {
        let checksumFile = try #require(Vectors.json("jcs/es6-numbers-checksums.json") as? [String: Any])
        let entries = try #require(checksumFile["checksums"] as? [[String: Any]])
        var expected: [Int: String] = [:]
        for entry in entries {
            let lines = try #require(entry["lines"] as? Int)
            if lines <= 1_000_000 { expected[lines] = try #require(entry["sha256"] as? String) }
        }
        #expect(expected.keys.sorted() == [1_000, 10_000, 100_000, 1_000_000])
        let published10000 = Array(try Vectors.data("jcs/es6-numbers-first10000.txt"))

        var generator = ES6NumberStream()
        var hash = SHA256()
        var pending: [UInt8] = []  // lines not yet hashed, fed to SHA-256 in large chunks
        pending.reserveCapacity(1 << 17)
        var prefix: [UInt8] = []
        for lineNumber in 1...1_000_000 {
            let value = generator.next()
            let lineStart = pending.count
            pending.append(contentsOf: String(value.bitPattern, radix: 16).utf8)
            pending.append(UInt8(ascii: ","))
            pending.append(contentsOf: try ES6Number.format(value).utf8)
            pending.append(UInt8(ascii: "\n"))
            if lineNumber <= 10_000 { prefix.append(contentsOf: pending[lineStart...]) }
            let want = expected[lineNumber]
            if want != nil || pending.count >= 1 << 16 {
                hash.update(data: pending)
                pending.removeAll(keepingCapacity: true)
            }
            if let want {
                let got = hash
                #expect(Vectors.hex(got.finalize()) == want, "SHA-256 of the first \(lineNumber) lines")
            }
        }
        let prefixMatches = prefix == published10000
        #expect(prefixMatches, "the first 10,000 generated lines equal es6-numbers-first10000.txt")
    }
}

/// The deterministic double sequence behind upstream's `es6testfile100m.txt`: fixed edge cases,
/// then 2,000 consecutive bit patterns from the smallest normal double up, then doubles read
/// little-endian from an iterated SHA-256 chain (starting from 32 zero bytes), skipping zeros,
/// NaNs and infinities.
struct ES6NumberStream {
    static let fixed: [UInt64] = [
        0x0000_0000_0000_0000, 0x8000_0000_0000_0000, 0x0000_0000_0000_0001, 0x8000_0000_0000_0001,
        0xc466_9669_5dbd_1cc3, 0xc432_11ed_e497_4a35, 0xc3fc_e97c_a0f2_1056, 0xc3c7_2130_80c1_a6ac,
        0xc392_80f3_9a34_8556, 0xc35d_9b1f_5d20_d557, 0xc327_af4c_4a80_aaac, 0xc2f2_f2a3_6ecd_5556,
        0xc2be_5105_7e15_5558, 0xc288_40d1_31aa_aaac, 0xc253_670d_c155_5557, 0xc21f_0b49_3555_5557,
        0xc1e8_d5d4_2aaa_aaac, 0xc1b3_de43_5555_5556, 0xc17f_ca05_5555_5556, 0xc149_6e6a_aaaa_aaab,
        0xc114_5855_5555_5555, 0xc0e0_46aa_aaaa_aaab, 0xc0aa_0aaa_aaaa_aaaa, 0xc074_d555_5555_5555,
        0xc040_aaaa_aaaa_aaab, 0xc00a_aaaa_aaaa_aaab, 0xbfd5_5555_5555_5555, 0xbfa1_1111_1111_1111,
        0xbf6b_4e81_b4e8_1b4f, 0xbf35_d867_c3ec_e2a5, 0xbf01_79ec_9cbd_821e, 0xbecb_f647_612f_3696,
        0xbe96_5e9f_80f2_9212, 0xbe61_e54c_6728_74db, 0xbe2c_a213_d840_baf8, 0xbdf6_e80f_e033_c8c6,
        0xbdc2_533f_e68f_d3d2, 0xbd8d_51ff_d74c_861c, 0xbd57_74cc_ac3d_3817, 0xbd22_c3d6_f030_f9ac,
        0xbcee_0624_b381_8f79, 0xbcb8_04ea_2934_72c7, 0xbc83_3721_ba90_5bd3, 0xbc4e_be9c_5db3_c61e,
        0xbc18_987d_17c3_04e5, 0xbbe3_ad30_dfcf_371d, 0xbbaf_7b81_6618_582f, 0xbb79_2f9a_b813_79bf,
        0xbb44_2615_600f_9499, 0xbb10_1e77_800c_76e1, 0xbad9_ca58_cce0_be35, 0xbaa4_a1e0_a3e6_fe90,
        0xba70_8180_831f_320d, 0xba3a_68cd_9e98_5016, 0x4466_9669_5dbd_1cc3, 0x4432_11ed_e497_4a35,
        0x43fc_e97c_a0f2_1056, 0x43c7_2130_80c1_a6ac, 0x4392_80f3_9a34_8556, 0x435d_9b1f_5d20_d557,
        0x4327_af4c_4a80_aaac, 0x42f2_f2a3_6ecd_5556, 0x42be_5105_7e15_5558, 0x4288_40d1_31aa_aaac,
        0x4253_670d_c155_5557, 0x421f_0b49_3555_5557, 0x41e8_d5d4_2aaa_aaac, 0x41b3_de43_5555_5556,
        0x417f_ca05_5555_5556, 0x4149_6e6a_aaaa_aaab, 0x4114_5855_5555_5555, 0x40e0_46aa_aaaa_aaab,
        0x40aa_0aaa_aaaa_aaaa, 0x4074_d555_5555_5555, 0x4040_aaaa_aaaa_aaab, 0x400a_aaaa_aaaa_aaab,
        0x3fd5_5555_5555_5555, 0x3fa1_1111_1111_1111, 0x3f6b_4e81_b4e8_1b4f, 0x3f35_d867_c3ec_e2a5,
        0x3f01_79ec_9cbd_821e, 0x3ecb_f647_612f_3696, 0x3e96_5e9f_80f2_9212, 0x3e61_e54c_6728_74db,
        0x3e2c_a213_d840_baf8, 0x3df6_e80f_e033_c8c6, 0x3dc2_533f_e68f_d3d2, 0x3d8d_51ff_d74c_861c,
        0x3d57_74cc_ac3d_3817, 0x3d22_c3d6_f030_f9ac, 0x3cee_0624_b381_8f79, 0x3cb8_04ea_2934_72c7,
        0x3c83_3721_ba90_5bd3, 0x3c4e_be9c_5db3_c61e, 0x3c18_987d_17c3_04e5, 0x3be3_ad30_dfcf_371d,
        0x3baf_7b81_6618_582f, 0x3b79_2f9a_b813_79bf, 0x3b44_2615_600f_9499, 0x3b10_1e77_800c_76e1,
        0x3ad9_ca58_cce0_be35, 0x3aa4_a1e0_a3e6_fe90, 0x3a70_8180_831f_320d, 0x3a3a_68cd_9e98_5016,
        0x4024_0000_0000_0000, 0x4014_0000_0000_0000, 0x3fe0_0000_0000_0000, 0x3fa9_9999_9999_999a,
        0x3f74_7ae1_47ae_147b, 0x3f40_624d_d2f1_a9fc, 0x3f0a_36e2_eb1c_432d, 0x3ed4_f8b5_88e3_68f1,
        0x3ea0_c6f7_a0b5_ed8d, 0x3e6a_d7f2_9abc_af48, 0x3e35_798e_e230_8c3a, 0x3ed5_3922_3589_fa95,
        0x3ed4_ff26_cd5a_7781, 0x3ed4_f95a_7622_83ff, 0x3ed4_f8c6_0703_520c, 0x3ed4_f8b7_2f19_cd0d,
        0x3ed4_f8b5_b31c_0c8d, 0x3ed4_f8b5_8d1c_461a, 0x3ed4_f8b5_894f_7f0e, 0x3ed4_f8b5_88ee_37f3,
        0x3ed4_f8b5_88e4_7da4, 0x3ed4_f8b5_88e3_849c, 0x3ed4_f8b5_88e3_6bb5, 0x3ed4_f8b5_88e3_6937,
        0x3ed4_f8b5_88e3_68f8, 0x3ed4_f8b5_88e3_68f1, 0x3ff0_0000_0000_0000, 0xbff0_0000_0000_0000,
        0xbfef_ffff_ffff_fffa, 0xbfef_ffff_ffff_fffb, 0x3fef_ffff_ffff_fffa, 0x3fef_ffff_ffff_fffb,
        0x3fef_ffff_ffff_fffc, 0x3fef_ffff_ffff_fffe, 0xbfef_ffff_ffff_ffff, 0xbfef_ffff_ffff_ffff,
        0x3fef_ffff_ffff_ffff, 0x3fef_ffff_ffff_ffff, 0x3fd3_3333_3333_3332, 0x3fd3_3333_3333_3333,
        0x3fd3_3333_3333_3334, 0x0010_0000_0000_0000, 0x000f_ffff_ffff_fffd, 0x000f_ffff_ffff_ffff,
        0x7fef_ffff_ffff_ffff, 0xffef_ffff_ffff_ffff, 0x4340_0000_0000_0000, 0xc340_0000_0000_0000,
        0x4430_0000_0000_0000, 0x44b5_2d02_c7e1_4af5, 0x44b5_2d02_c7e1_4af6, 0x44b5_2d02_c7e1_4af7,
        0x444b_1ae4_d6e2_ef4e, 0x444b_1ae4_d6e2_ef4f, 0x444b_1ae4_d6e2_ef50, 0x3eb0_c6f7_a0b5_ed8c,
        0x3eb0_c6f7_a0b5_ed8d, 0x41b3_de43_5555_5553, 0x41b3_de43_5555_5554, 0x41b3_de43_5555_5555,
        0x41b3_de43_5555_5556, 0x41b3_de43_5555_5557, 0xbecb_f647_612f_3696, 0x4314_3ff3_c1cb_0959,
    ]
    static let consecutiveCount = 2_000

    private var index = 0
    private var block = [UInt8](repeating: 0, count: 32)
    private var blockOffset = 32

    mutating func next() -> Double {
        defer { index += 1 }
        if index < Self.fixed.count {
            return Double(bitPattern: Self.fixed[index])
        }
        if index < Self.fixed.count + Self.consecutiveCount {
            return Double(bitPattern: 0x0010_0000_0000_0000 + UInt64(index - Self.fixed.count))
        }
        while true {
            if blockOffset == block.count {
                block = Array(SHA256.hash(data: block))
                blockOffset = 0
            }
            var bits: UInt64 = 0
            for shift in 0..<8 { bits |= UInt64(block[blockOffset + shift]) << (8 * shift) }
            blockOffset += 8
            let value = Double(bitPattern: bits)
            if value != 0 && value.isFinite { return value }
        }
    }
}
