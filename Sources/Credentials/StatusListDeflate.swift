/// A DEFLATE encoder for status lists: fixed-Huffman blocks in which runs of a repeated byte become
/// matches at distance 1. A 16 KiB list of zeros compresses to about 40 bytes; set bits cost a few
/// bytes each. Any DEFLATE decoder reads the output.
enum Deflate {
    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
        8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// One final fixed-Huffman block holding `bytes`.
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var writer = BitWriter()
        writer.write(1, count: 1)  // BFINAL
        writer.write(1, count: 2)  // BTYPE = fixed Huffman
        var index = 0
        while index < bytes.count {
            var run = 0
            if index > 0 {
                let previous = bytes[index - 1]
                while run < 258, index + run < bytes.count, bytes[index + run] == previous { run += 1 }
            }
            if run >= 3 {
                writeLength(run, to: &writer)
                writer.writeCode(0, length: 5)  // distance code 0 = distance 1, no extra bits
                index += run
            } else {
                writeSymbol(Int(bytes[index]), to: &writer)
                index += 1
            }
        }
        writeSymbol(256, to: &writer)
        return writer.finish()
    }

    private static func writeLength(_ length: Int, to writer: inout BitWriter) {
        let index = lengthBase.lastIndex { $0 <= length }!  // length >= 3 = lengthBase[0]
        writeSymbol(257 + index, to: &writer)
        writer.write(length - lengthBase[index], count: lengthExtra[index])
    }

    /// Writes a literal/length symbol with the fixed code of RFC 1951 §3.2.6.
    private static func writeSymbol(_ symbol: Int, to writer: inout BitWriter) {
        switch symbol {
        case 0..<144: writer.writeCode(0x30 + symbol, length: 8)
        case 144..<256: writer.writeCode(0x190 + symbol - 144, length: 9)
        case 256..<280: writer.writeCode(symbol - 256, length: 7)
        default: writer.writeCode(0xC0 + symbol - 280, length: 8)
        }
    }
}

/// Packs bits least significant first, as DEFLATE does.
private struct BitWriter {
    private var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var count = 0

    /// Writes the low `count` bits of `value`, least significant first (header fields, extra bits).
    mutating func write(_ value: Int, count bits: Int) {
        buffer |= UInt64(value) << UInt64(count)
        count += bits
        while count >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            count -= 8
        }
    }

    /// Writes a Huffman code, most significant bit first.
    mutating func writeCode(_ code: Int, length: Int) {
        var reversed = 0
        for bit in 0..<length { reversed |= (code >> bit & 1) << (length - 1 - bit) }
        write(reversed, count: length)
    }

    mutating func finish() -> [UInt8] {
        if count > 0 { bytes.append(UInt8(truncatingIfNeeded: buffer)) }
        return bytes
    }
}
