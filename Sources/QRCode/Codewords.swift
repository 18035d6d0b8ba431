/// The final codeword sequence (ISO/IEC 18004 §7.4.9–§7.6): segments, terminator, padding, split
/// into blocks, each block's Reed–Solomon codewords, then data and error correction interleaved.
enum Codewords {
    /// The caller has checked that the segments fit.
    static func build(segments: [QRSegment], version: QRVersion, level: QRErrorCorrection) -> [UInt8] {
        let dataCount = version.dataCodewords(level)
        let capacity = dataCount * 8
        var buffer = BitBuffer()
        for segment in segments { segment.write(to: &buffer, group: version.countWidthGroup) }
        buffer.append(0, width: min(4, capacity - buffer.count))
        buffer.append(0, width: (8 - buffer.count % 8) % 8)
        var data = buffer.bytes
        var pad: UInt8 = 0xEC
        while data.count < dataCount {
            data.append(pad)
            pad ^= 0xEC ^ 0x11
        }
        return interleave(data, version: version, level: level)
    }

    /// Blocks of ⌊data/blocks⌋ codewords, the last `data mod blocks` of them one longer; the
    /// result takes the i-th data codeword of each block in turn, then the i-th error-correction codeword.
    private static func interleave(_ data: [UInt8], version: QRVersion, level: QRErrorCorrection) -> [UInt8] {
        let blockCount = version.blockCount(level)
        let eccCount = version.errorCorrectionCodewordsPerBlock(level)
        let shortLength = data.count / blockCount
        let longBlocks = data.count % blockCount
        var blocks: [ArraySlice<UInt8>] = []
        var eccBlocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blockCount {
            let length = shortLength + (index >= blockCount - longBlocks ? 1 : 0)
            let block = data[start..<start + length]
            blocks.append(block)
            eccBlocks.append(ReedSolomon.errorCorrection(for: block, count: eccCount))
            start += length
        }
        var result: [UInt8] = []
        result.reserveCapacity(version.totalCodewords)
        for column in 0...shortLength {
            for block in blocks where column < block.count { result.append(block[block.startIndex + column]) }
        }
        for column in 0..<eccCount {
            for ecc in eccBlocks { result.append(ecc[column]) }
        }
        return result
    }
}
