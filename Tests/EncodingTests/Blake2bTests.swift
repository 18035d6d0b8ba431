import Encoding
import Foundation
import Testing
import VectorSupport

@Suite struct Blake2bTests {
    private struct Case {
        let input: [UInt8]
        let key: [UInt8]
        let digest: [UInt8]
    }

    /// Entries of a KAT JSON file: `{hash, in, key, out}` in hex.
    private static func jsonCases(_ file: String, hash: String) throws -> [Case] {
        let entries = try #require(try Vectors.json("blake2b/" + file) as? [[String: String]])
        return try entries.filter { $0["hash"] == hash && $0["in"] != nil }.map { entry in
            Case(
                input: try #require(Vectors.bytes(hex: entry["in"] ?? "")),
                key: try #require(Vectors.bytes(hex: entry["key"] ?? "")),
                digest: try #require(Vectors.bytes(hex: entry["out"] ?? "")))
        }
    }

    @Test(.vectors) func officialUnkeyedKAT() throws {
        let cases = try Self.jsonCases("blake2b-512-unkeyed-kat.json", hash: "blake2b")
        #expect(cases.count == 256)
        for (index, test) in cases.enumerated() {
            #expect(test.key.isEmpty)
            #expect(Blake2b.hash512(test.input) == test.digest, "in = 00…\(index - 1)")
            #expect(try Blake2b.hash(test.input, digestLength: 64) == test.digest)
        }
    }

    @Test(.vectors) func officialKeyedKAT() throws {
        let cases = try Self.jsonCases("blake2b-512-keyed-kat.json", hash: "blake2b")
        #expect(cases.count == 256)
        for (index, test) in cases.enumerated() {
            #expect(test.key.count == 64)
            #expect(try Blake2b.hash(test.input, digestLength: 64, key: test.key) == test.digest, "in = 00…\(index - 1)")
        }
    }

    /// The reference repository's text KAT: tab-separated `in:`, `key:`, `hash:` lines.
    @Test(.vectors) func officialKeyedTextKAT() throws {
        let text = String(decoding: try Vectors.data("blake2b/blake2b-kat.txt"), as: UTF8.self)
        var fields: [String: [UInt8]] = [:]
        var checked = 0
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].hasSuffix(":") else { continue }
            let bytes = try #require(Vectors.bytes(hex: String(parts[1])))
            fields[String(parts[0].dropLast())] = bytes
            guard parts[0] == "hash:" else { continue }
            let input = try #require(fields["in"])
            let key = try #require(fields["key"])
            let hash = try #require(fields["hash"])
            #expect(try Blake2b.hash(input, digestLength: 64, key: key) == hash, "in of \(input.count) bytes")
            fields = [:]
            checked += 1
        }
        #expect(checked == 256)
    }

    /// BLAKE2b-256 and -224 (the Cardano sizes), checked against Python hashlib and libsodium.
    @Test(.vectors) func derivedCardanoSizes() throws {
        let entries = try #require(try Vectors.json("blake2b/blake2b-256-derived.json") as? [[String: String]])
        var checked = 0
        for entry in entries {
            let digest = try #require(Vectors.bytes(hex: entry["out"] ?? ""))
            let input: [UInt8]
            if let hex = entry["in"] {
                input = try #require(Vectors.bytes(hex: hex))
            } else {
                #expect(entry["in_description"] == "1,000,000 x 'a' (0x61)")
                input = [UInt8](repeating: 0x61, count: 1_000_000)
            }
            switch entry["hash"] {
            case "blake2b-256":
                #expect(Blake2b.hash256(input) == digest, "\(entry["note"] ?? "in of \(input.count) bytes")")
                #expect(input.withUnsafeBytes { Blake2b.hash256($0) } == digest)
            case "blake2b-224":
                #expect(Blake2b.hash224(input) == digest, "\(entry["note"] ?? "")")
            default:
                Issue.record("unexpected entry \(entry)")
            }
            checked += 1
        }
        #expect(checked == 263)
    }

    /// RFC 7693 Appendix A: BLAKE2b-512("abc").
    @Test func rfc7693AppendixA() {
        #expect(
            Vectors.hex(Blake2b.hash512(Array("abc".utf8)))
                == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
    }

    /// Feeding a message in random pieces gives the one-shot digest, keyed or not, at every
    /// length around the block boundaries.
    @Test func streamingMatchesOneShot() throws {
        var random = SeededRandom(seed: 0xB1A2E2B)
        for length in Array(0...300) + [383, 384, 385, 1000, 4096, 4097] {
            let message = random.bytes(count: length)
            let key = random.next() % 3 == 0 ? random.bytes(count: Int(random.next() % 65)) : []
            let digestLength = Int(random.next() % 64) + 1
            let expected = try Blake2b.hash(message, digestLength: digestLength, key: key)

            var hasher = try Blake2b(digestLength: digestLength, key: key)
            var rest = message[...]
            while !rest.isEmpty {
                let piece = Int(random.next() % UInt64(min(rest.count, 200) + 1))
                hasher.update(rest.prefix(piece))
                rest = rest.dropFirst(piece)
            }
            hasher.update([UInt8]())
            #expect(hasher.finalize() == expected, "length \(length), key \(key.count), digest \(digestLength)")
        }
    }

    @Test func inputFormsAgree() throws {
        var random = SeededRandom(seed: 0x1F0)
        for length in [0, 1, 31, 64, 127, 128, 129, 257] {
            let message = random.bytes(count: length)
            let expected = Blake2b.hash256(message)
            #expect(Blake2b.hash256(message.lazy.map { $0 }) == expected)
            #expect(Blake2b.hash256(Data(message)) == expected)
            #expect(message.withUnsafeBytes { Blake2b.hash256($0) } == expected)
            for split in Set([0, length / 3, length]) {
                #expect(Blake2b.hash256(message[..<split], message[split...]) == expected)
            }
            var hasher = try Blake2b(digestLength: 32)
            message.withUnsafeBytes { hasher.update($0) }
            #expect(hasher.finalize() == expected)
        }
    }

    /// The digest length is a parameter of the hash, so shorter digests are not truncations.
    @Test func digestLengthIsAParameter() throws {
        let message = Array("abc".utf8)
        let full = Blake2b.hash512(message)
        for length in 1...63 {
            let digest = try Blake2b.hash(message, digestLength: length)
            #expect(digest.count == length)
            #expect(digest != Array(full.prefix(length)))
        }
        #expect(try Blake2b.hash(message, digestLength: 32) == Blake2b.hash256(message))
        #expect(try Blake2b.hash(message, digestLength: 28) == Blake2b.hash224(message))
    }

    /// Python's hashlib as an independent implementation, over all digest sizes and key lengths.
    @Test(.enabled(if: ReferencePython.canImport() || Vectors.required, "python3 not found; fails under CI=true"))
    func matchesPython() throws {
        var random = SeededRandom(seed: 0x6861_73686C6962)
        var cases: [(message: [UInt8], key: [UInt8], digestLength: Int)] = []
        for index in 0..<64 {
            let message = random.bytes(count: Int(random.next() % 700))
            let key = index % 2 == 0 ? [] : random.bytes(count: Int(random.next() % 65))
            cases.append((message, key, index + 1))
        }
        let script = """
            import hashlib, sys
            for line in sys.stdin.read().split():
                message, key, size = line.split(",")
                print(hashlib.blake2b(bytes.fromhex(message[1:]), digest_size=int(size), key=bytes.fromhex(key)).hexdigest())
            """
        let input = cases.map { "x\(Vectors.hex($0.message)),\(Vectors.hex($0.key)),\($0.digestLength)" }
        let output = try ReferencePython.run(script, input: input.joined(separator: "\n")).lines
        #expect(output.count == cases.count)
        for (test, expected) in zip(cases, output) {
            #expect(Vectors.hex(try Blake2b.hash(test.message, digestLength: test.digestLength, key: test.key)) == expected)
        }
    }

    @Test(arguments: [0, -1, 65, Int.max, Int.min])
    func rejectsDigestLengths(length: Int) {
        let error = #expect(throws: Blake2bError.self) { try Blake2b(digestLength: length) }
        #expect(error?.code == "invalid_digest_length")
        let oneShot = #expect(throws: Blake2bError.self) { try Blake2b.hash([1, 2, 3], digestLength: length) }
        #expect(oneShot?.code == "invalid_digest_length")
    }

    @Test func rejectsKeysOverSixtyFourBytes() throws {
        let error = #expect(throws: Blake2bError.self) { try Blake2b(key: [UInt8](repeating: 7, count: 65)) }
        #expect(error?.code == "invalid_key_length")
        #expect(error?.message.contains("65") == true)
        #expect(try Blake2b.hash([], digestLength: 64, key: [UInt8](repeating: 7, count: 64)).count == 64)
    }
}
