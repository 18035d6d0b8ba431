import Encoding
import Foundation
import Testing
import VectorSupport

@testable import Credentials

/// The GZIP codec against Python's gzip and zlib as the independent implementation.
@Suite("Bitstring Status List: GZIP")
struct StatusListGzipTests {
    private static let pythonAvailable = ReferencePython.canImport("gzip", "zlib")

    private static func sample(count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        for _ in 0..<(count / 64 + 1) where count > 0 {
            bytes[Int.random(in: 0..<count, using: &random)] = UInt8.random(in: 1...255, using: &random)
        }
        // A stretch of text-like data, so dynamic Huffman blocks with real back references occur.
        let text = Array("battery passport status list ".utf8)
        for offset in stride(from: 0, to: min(count, 4096), by: 1) { bytes[offset] = text[offset % text.count] }
        return bytes
    }

    @Test func roundTripsOwnOutput() throws {
        for count in [0, 1, 2, 3, 257, 258, 259, 16_384, 70_000] {
            let bytes = Self.sample(count: count, seed: UInt64(count))
            #expect(try StatusListGzip.decompress(StatusListGzip.compress(bytes)) == bytes, "\(count) bytes")
        }
    }

    @Test(.enabled(if: pythonAvailable || Vectors.required, "python3 with gzip/zlib not available"))
    func pythonReadsOurOutput() throws {
        // A sparse list, and runs of every length from 1 to 600 (every DEFLATE length code and its extra bits).
        var runs: [UInt8] = []
        for length in 1...600 { runs += [UInt8](repeating: UInt8(length % 251 + 1), count: length) + [0] }
        let script = "import sys,gzip,base64,hashlib; d=gzip.decompress(base64.b64decode(sys.stdin.read())); print(len(d), hashlib.sha256(d).hexdigest())"
        for bytes in [Self.sample(count: 16_384, seed: 1), runs] {
            let ours = try ReferencePython.run(script, input: Data(StatusListGzip.compress(bytes)).base64EncodedString())
            #expect(ours.status == 0, "\(ours.error)")
            let expected = try ReferencePython.run(
                "import sys,base64,hashlib; d=base64.b64decode(sys.stdin.read()); print(len(d), hashlib.sha256(d).hexdigest())",
                input: Data(bytes).base64EncodedString())
            #expect(ours.lines == expected.lines)
            #expect(try StatusListGzip.decompress(StatusListGzip.compress(bytes)) == bytes)
        }
    }

    /// Python writes stored, fixed and dynamic blocks at levels 0, 1 and 9, with header fields
    /// (file name, comment, extra, header CRC) and as two concatenated members.
    @Test(.enabled(if: pythonAvailable || Vectors.required, "python3 with gzip/zlib not available"))
    func readsEveryKindOfPythonOutput() throws {
        let bytes = Self.sample(count: 40_000, seed: 2)
        let script = """
            import sys, gzip, zlib, base64, struct
            data = base64.b64decode(sys.stdin.read())
            def raw(level, strategy=zlib.Z_DEFAULT_STRATEGY):
                c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
                return c.compress(data) + c.flush()
            def member(deflated, flags=0, extra=b''):
                header = b'\\x1f\\x8b\\x08' + bytes([flags]) + b'\\x00\\x00\\x00\\x00\\x02\\xff' + extra
                if flags & 2:
                    header += struct.pack('<H', zlib.crc32(header) & 0xffff)
                return header + deflated + struct.pack('<II', zlib.crc32(data), len(data) & 0xffffffff)
            half = len(data) // 2
            first = gzip.compress(data[:half], 9, mtime=0)
            second = gzip.compress(data[half:], 1, mtime=0)
            streams = [
                gzip.compress(data, 0, mtime=0), gzip.compress(data, 1, mtime=0), gzip.compress(data, 9, mtime=0),
                member(raw(9, zlib.Z_FIXED)), member(raw(9, zlib.Z_HUFFMAN_ONLY)), member(raw(9, zlib.Z_RLE)),
                member(raw(6), 0x04 | 0x08 | 0x10 | 0x02, b'\\x04\\x00abcd' + b'name.bin\\x00' + b'a comment\\x00'),
                first + second,
            ]
            for stream in streams:
                print(base64.b64encode(stream).decode())
            """
        let run = try ReferencePython.run(script, input: Data(bytes).base64EncodedString())
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines.count == 8)
        for (index, line) in run.lines.enumerated() {
            let stream = try #require(Data(base64Encoded: line))
            #expect(try StatusListGzip.decompress([UInt8](stream)) == bytes, "stream \(index)")
        }
    }

    @Test(.enabled(if: pythonAvailable || Vectors.required, "python3 with gzip/zlib not available"))
    func decompressionBombsStopAtTheLimit() throws {
        // 64 MiB of zeros compress to about 64 KiB.
        let run = try ReferencePython.run(
            "import gzip,base64; print(base64.b64encode(gzip.compress(bytes(64 * 1024 * 1024), 9, mtime=0)).decode())")
        let bomb = [UInt8](try #require(Data(base64Encoded: run.output.trimmingCharacters(in: .whitespacesAndNewlines))))
        let error = #expect(throws: StatusListError.self) { try StatusListGzip.decompress(bomb, maximumSize: 1 << 20) }
        #expect(error?.code == "status_list_invalid")
        #expect(error?.message.contains("limit") == true)
    }

    @Test func corruptStreamsAreInvalid() throws {
        let good = try StatusListGzip.compress(Self.sample(count: 5_000, seed: 3))
        var badCRC = good
        badCRC[good.count - 6] ^= 1
        var badLength = good
        badLength[good.count - 2] ^= 1
        var badMethod = good
        badMethod[2] = 7
        var reservedFlag = good
        reservedFlag[3] = 0x80
        let cases: [(String, [UInt8])] = [
            ("truncated", Array(good.dropLast(9))), ("trailer cut", Array(good.dropLast(3))), ("crc", badCRC),
            ("length", badLength), ("method", badMethod), ("flag", reservedFlag), ("garbage after", good + [1, 2, 3]),
            ("block type 3", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0x07]),
            ("stored length", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0x01, 0x05, 0x00, 0x00, 0x00]),
            // Fixed block: a distance-1 match before any output.
            ("too far back", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0x03, 0x02, 0x00]),
        ]
        for (name, bytes) in cases {
            let error = #expect(throws: StatusListError.self, "\(name)") { try StatusListGzip.decompress(bytes) }
            #expect(error?.code == "status_list_invalid", "\(name)")
        }
    }

    @Test func randomInputNeverCrashes() {
        var random = SeededRandom(seed: 99)
        let header: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        var decoded = 0
        for round in 0..<3_000 {
            let body = random.bytes(count: Int.random(in: 0..<200, using: &random))
            if (try? StatusListGzip.decompress(round.isMultiple(of: 2) ? header + body : body, maximumSize: 1 << 16)) != nil {
                decoded += 1
            }
        }
        #expect(decoded < 3_000)
    }
}
