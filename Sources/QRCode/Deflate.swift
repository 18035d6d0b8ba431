/// A zlib stream (RFC 1950) holding one fixed-Huffman deflate block (RFC 1951 §3.2.6). Matches are
/// looked for only at two distances, 1 (runs) and `stride` (the row above in an image), which is
/// where a QR Code image repeats itself.
enum Deflate {
    static func zlib(_ data: [UInt8], stride: Int) -> [UInt8] {
        var writer = BitWriter()
        writer.bytes = [0x78, 0x01]  // deflate, 32 KiB window, no preset dictionary, fastest
        writer.write(1, width: 1)  // final block
        writer.write(1, width: 2)  // fixed Huffman codes
        let distances = stride > 1 && stride <= 32768 ? [1, stride] : [1]
        var index = 0
        while index < data.count {
            var bestLength = 0
            var bestDistance = 0
            for distance in distances where distance <= index {
                let limit = min(258, data.count - index)
                var length = 0
                while length < limit && data[index + length] == data[index + length - distance] { length += 1 }
                if length > bestLength {
                    bestLength = length
                    bestDistance = distance
                }
            }
            if bestLength >= 3 {
                writer.writeLength(bestLength)
                writer.writeDistance(bestDistance)
                index += bestLength
            } else {
                writer.writeLiteral(Int(data[index]))
                index += 1
            }
        }
        writer.writeLiteral(256)  // end of block
        writer.flush()
        var result = writer.bytes
        let adler = Checksums.adler32(data)
        for shift in [24, 16, 8, 0] { result.append(UInt8(truncatingIfNeeded: adler >> UInt32(shift))) }
        return result
    }

    /// Packs bits least significant first; Huffman codes go most significant first.
    private struct BitWriter {
        var bytes: [UInt8] = []
        private var pending: UInt64 = 0
        private var pendingCount = 0

        mutating func write(_ value: Int, width: Int) {
            pending |= UInt64(value) << UInt64(pendingCount)
            pendingCount += width
            while pendingCount >= 8 {
                bytes.append(UInt8(truncatingIfNeeded: pending))
                pending >>= 8
                pendingCount -= 8
            }
        }

        mutating func flush() {
            if pendingCount > 0 { bytes.append(UInt8(truncatingIfNeeded: pending)) }
            pending = 0
            pendingCount = 0
        }

        private mutating func writeCode(_ code: Int, width: Int) {
            var reversed = 0
            for bit in 0..<width where (code >> bit) & 1 == 1 { reversed |= 1 << (width - 1 - bit) }
            write(reversed, width: width)
        }

        /// A literal/length symbol 0...287 in the fixed code.
        mutating func writeLiteral(_ symbol: Int) {
            switch symbol {
            case 0...143: writeCode(0x30 + symbol, width: 8)
            case 144...255: writeCode(0x190 + symbol - 144, width: 9)
            case 256...279: writeCode(symbol - 256, width: 7)
            default: writeCode(0xC0 + symbol - 280, width: 8)
            }
        }

        mutating func writeLength(_ length: Int) {
            let code = Deflate.lengthBases.lastIndex { $0 <= length }!
            writeLiteral(257 + code)
            write(length - Deflate.lengthBases[code], width: Deflate.lengthExtraBits[code])
        }

        mutating func writeDistance(_ distance: Int) {
            let code = Deflate.distanceBases.lastIndex { $0 <= distance }!
            writeCode(code, width: 5)
            write(distance - Deflate.distanceBases[code], width: Deflate.distanceExtraBits[code])
        }
    }

    private static let lengthBases = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtraBits = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBases = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
        8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
}

/// CRC-32 (ISO 3309, as PNG uses it) and Adler-32 (zlib).
enum Checksums {
    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func crc32<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            // 5552 bytes is the most that can be summed before b could overflow 32 bits.
            let end = min(index + 5552, bytes.count)
            for byte in bytes[index..<end] {
                a += UInt32(byte)
                b += a
            }
            a %= 65521
            b %= 65521
            index = end
        }
        return b << 16 | a
    }
}
