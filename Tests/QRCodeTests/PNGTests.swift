import Foundation
import QRCode
import Testing
import VectorSupport

/// Our PNG read back by Python's zlib and struct: chunk CRCs, IHDR, the zlib stream (with its
/// Adler-32) and every pixel against the module matrix; and by `pngcheck` when installed.
@Suite struct PNGTests {
    static let script = """
        import sys, struct, zlib
        data = bytes.fromhex(sys.stdin.read().strip())
        assert data[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'signature'
        offset, chunks = 8, []
        while offset < len(data):
            length, kind = struct.unpack('>I4s', data[offset:offset + 8])
            body = data[offset + 8:offset + 8 + length]
            (crc,) = struct.unpack('>I', data[offset + 8 + length:offset + 12 + length])
            assert zlib.crc32(kind + body) == crc, 'CRC of ' + kind.decode()
            chunks.append((kind.decode(), body))
            offset += 12 + length
        assert [kind for kind, _ in chunks] == ['IHDR', 'IDAT', 'IEND'], [kind for kind, _ in chunks]
        width, height, depth, color, compression, filtering, interlace = struct.unpack('>IIBBBBB', chunks[0][1])
        assert (color, compression, filtering, interlace) == (0, 0, 0, 0)
        raw = zlib.decompress(chunks[1][1])
        stride = (width * depth + 7) // 8 + 1
        assert len(raw) == stride * height, 'scanline bytes'
        print(width, height, depth)
        for y in range(height):
            line = raw[y * stride:(y + 1) * stride]
            assert line[0] == 0, 'filter type'
            if depth == 1:
                bits = ''.join(format(byte, '08b') for byte in line[1:])[:width]
                print(''.join('1' if bit == '0' else '0' for bit in bits))
            else:
                assert set(line[1:]) <= {0, 255}
                print(''.join('1' if value == 0 else '0' for value in line[1:]))
        """

    static let pythonAvailable = ReferencePython.canImport("zlib", "struct")

    /// The pixels we mean to draw: dark = "1", quiet zone and light modules "0".
    private func expectedPixels(_ code: QRCode, moduleSize: Int, quietZone: Int) -> [String] {
        let side = (code.size + 2 * quietZone) * moduleSize
        return (0..<side).map { y in
            String((0..<side).map { x in
                let column = x / moduleSize - quietZone
                let row = y / moduleSize - quietZone
                let inside = (0..<code.size).contains(column) && (0..<code.size).contains(row)
                return inside && code[column, row] ? "1" : "0"
            })
        }
    }

    @Test(
        .enabled(if: pythonAvailable || Vectors.required, "python3 not found; fails under CI=true"),
        arguments: [(1, 4), (3, 4), (8, 2), (10, 0)], QRPNGBitDepth.allCases)
    func pythonReadsEveryPixel(layout: (moduleSize: Int, quietZone: Int), depth: QRPNGBitDepth) throws {
        let code = try QRCode("https://voltpass.example/01/09506000134352/21/ABC123?t=" + TokenFixture.token)
        let png = try code.png(moduleSize: layout.moduleSize, quietZone: layout.quietZone, bitDepth: depth)
        let run = try ReferencePython.run(Self.script, input: Vectors.hex(png))
        try #require(run.status == 0, "python rejected the PNG: \(run.error)")
        let side = (code.size + 2 * layout.quietZone) * layout.moduleSize
        #expect(run.lines.first == "\(side) \(side) \(depth.rawValue)")
        #expect(Array(run.lines.dropFirst()) == expectedPixels(code, moduleSize: layout.moduleSize, quietZone: layout.quietZone))
    }

    /// Large images exercise long matches and several-kilobyte rows in the deflate stream.
    @Test(.enabled(if: pythonAvailable || Vectors.required, "python3 not found; fails under CI=true"))
    func largeVersionFortyImageDecodes() throws {
        var random = SeededRandom(seed: 177)
        let code = try QRCode(bytes: random.bytes(count: 1270), errorCorrection: .high)
        #expect(code.version == 40)
        let png = try code.png(moduleSize: 2, bitDepth: .eight)
        let run = try ReferencePython.run(Self.script, input: Vectors.hex(png))
        try #require(run.status == 0, "python rejected the PNG: \(run.error)")
        #expect(Array(run.lines.dropFirst()) == expectedPixels(code, moduleSize: 2, quietZone: 4))
    }

    @Test(.enabled(if: Tools.path("pngcheck") != nil, "pngcheck not installed"))
    func pngcheckAcceptsIt() throws {
        let pngcheck = try #require(Tools.path("pngcheck"))
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let code = try QRCode("HTTPS://VOLTPASS.EXAMPLE/01/09506000134352/21/ABC123", errorCorrection: .high)
        for depth in QRPNGBitDepth.allCases {
            let file = directory.appendingPathComponent("plate-\(depth.rawValue).png")
            try Data(code.png(bitDepth: depth)).write(to: file)
            let result = try Tools.run(pngcheck, ["-v", file.path])
            #expect(result.status == 0, "\(result.output)")
        }
    }
}
