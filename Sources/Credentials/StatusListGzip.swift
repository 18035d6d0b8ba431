/// GZIP (RFC 1952) for status list bitstrings: a decoder that accepts any valid gzip stream (stored,
/// fixed and dynamic Huffman DEFLATE blocks, optional header fields, several members) and an encoder
/// that writes one member of fixed-Huffman blocks with run-length matches, which suits status lists:
/// long runs of zero bytes with a few set bits.
///
/// Decoding is bounded by `maximumSize` bytes of output, so a small hostile input cannot expand into
/// gigabytes; every malformation, including a CRC-32 or length mismatch, is `status_list_invalid`.
public enum StatusListGzip {
    /// The default output limit: 16 MiB, a list of 134 million one-bit entries.
    public static let defaultMaximumSize = 16 * 1024 * 1024

    /// `bytes` as a gzip stream (no file name, modification time 0, OS "unknown").
    public static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        output += Deflate.compress(bytes)
        appendLittleEndian(CRC32.checksum(bytes), to: &output)
        appendLittleEndian(UInt32(truncatingIfNeeded: bytes.count), to: &output)
        return output
    }

    /// The bytes a gzip stream decompresses to; the members of a multi-member stream are concatenated.
    public static func decompress(_ bytes: [UInt8], maximumSize: Int = defaultMaximumSize) throws(StatusListError) -> [UInt8] {
        guard !bytes.isEmpty else { throw invalid("the gzip stream is empty") }
        var output: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            let memberStart = output.count
            offset = try headerEnd(bytes, from: offset)
            var inflater = Inflater(bytes, offset: offset, output: output, maximumSize: maximumSize)
            try inflater.run()
            output = inflater.output
            offset = inflater.byteOffsetAfterFinalBlock
            guard bytes.count - offset >= 8 else { throw invalid("the gzip trailer is truncated") }
            let crc = readLittleEndian(bytes, at: offset)
            let size = readLittleEndian(bytes, at: offset + 4)
            offset += 8
            let actualCRC = output.withUnsafeBufferPointer { CRC32.checksum($0[memberStart...]) }
            guard crc == actualCRC else {
                throw invalid("CRC-32 mismatch: the trailer says \(hex(crc)), the data has \(hex(actualCRC))")
            }
            guard size == UInt32(truncatingIfNeeded: output.count - memberStart) else {
                throw invalid("length mismatch: the trailer says \(size) bytes, the data has \(output.count - memberStart)")
            }
        }
        return output
    }

    /// Parses a member header starting at `start` and returns where its DEFLATE data begins.
    private static func headerEnd(_ bytes: [UInt8], from start: Int) throws(StatusListError) -> Int {
        guard bytes.count - start >= 10 else { throw invalid("the gzip header at offset \(start) is truncated") }
        guard bytes[start] == 0x1F, bytes[start + 1] == 0x8B else {
            throw invalid("no gzip magic number (1f 8b) at offset \(start)")
        }
        guard bytes[start + 2] == 8 else { throw invalid("gzip compression method \(bytes[start + 2]) is not DEFLATE (8)") }
        let flags = bytes[start + 3]
        guard flags & 0xE0 == 0 else { throw invalid("reserved gzip flag bits are set (flags \(hex(UInt32(flags))))") }
        var offset = start + 10
        if flags & 0x04 != 0 {  // FEXTRA
            guard bytes.count - offset >= 2 else { throw invalid("the gzip extra field is truncated") }
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            guard bytes.count - offset - 2 >= length else { throw invalid("the gzip extra field is truncated") }
            offset += 2 + length
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
            guard let end = bytes[offset...].firstIndex(of: 0) else {
                throw invalid("the gzip \(flag == 0x08 ? "file name" : "comment") is not terminated")
            }
            offset = end + 1
        }
        if flags & 0x02 != 0 {  // FHCRC: the low 16 bits of the CRC-32 of the header so far
            guard bytes.count - offset >= 2 else { throw invalid("the gzip header CRC is truncated") }
            let stored = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            let actual = bytes.withUnsafeBufferPointer { CRC32.checksum($0[start..<offset]) } & 0xFFFF
            guard stored == actual else { throw invalid("the gzip header CRC does not match") }
            offset += 2
        }
        return offset
    }

    static func invalid(_ message: String) -> StatusListError {
        StatusListError(.statusListInvalid, "encodedList: \(message)")
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }

    private static func appendLittleEndian(_ value: UInt32, to output: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}

/// CRC-32 as gzip and zlib use it (reflected polynomial 0xEDB88320).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let table = Self.table
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
