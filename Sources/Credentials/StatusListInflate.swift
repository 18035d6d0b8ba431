/// A DEFLATE (RFC 1951) decoder: stored, fixed-Huffman and dynamic-Huffman blocks. It appends to
/// `output`, refuses to grow it past `maximumSize` bytes, and rejects every malformed stream
/// (over-subscribed or incomplete codes, distances too far back, truncation) with `status_list_invalid`.
struct Inflater {
    private(set) var output: [UInt8]
    private let input: [UInt8]
    private var position: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    private let memberStart: Int
    private let maximumSize: Int

    init(_ input: [UInt8], offset: Int, output: [UInt8], maximumSize: Int) {
        self.input = input
        self.position = offset
        self.output = output
        self.memberStart = output.count
        self.maximumSize = maximumSize
    }

    /// The offset of the first byte after the final block (the unused bits of its last byte skipped).
    var byteOffsetAfterFinalBlock: Int { position - bitCount / 8 }

    /// Decodes blocks until the final one.
    mutating func run() throws(StatusListError) {
        var isFinal = false
        while !isFinal {
            isFinal = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: try compressedBlock(literals: Huffman.fixedLiterals, distances: Huffman.fixedDistances)
            case 2:
                let (literals, distances) = try dynamicCodes()
                try compressedBlock(literals: literals, distances: distances)
            default: throw StatusListGzip.invalid("DEFLATE block type 3 is reserved")
            }
        }
    }

    // MARK: Bits

    private mutating func bits(_ count: Int) throws(StatusListError) -> Int {
        while bitCount < count {
            guard position < input.count else { throw StatusListGzip.invalid("the DEFLATE data is truncated") }
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt64(count)) - 1))
        bitBuffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    /// Loads whole bytes into the bit buffer while they fit, so a table lookup can peek ahead.
    private mutating func refill() {
        while bitCount <= 56, position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    /// Decodes one symbol: codes up to `Huffman.tableBits` long by one table lookup, longer ones (and
    /// codes near the end of the input) bit by bit.
    private mutating func decode(_ code: Huffman) throws(StatusListError) -> Int {
        if bitCount < Huffman.tableBits { refill() }
        let entry = Int(code.table[Int(bitBuffer & UInt64(Huffman.tableSize - 1))])
        let length = entry & 0xF
        if length > 0, length <= bitCount {
            bitBuffer >>= UInt64(length)
            bitCount -= length
            return entry >> 4
        }
        var value = 0  // the code read so far, most significant bit first
        var first = 0  // the first code of the current length
        var index = 0  // the index in `symbols` of the first code of the current length
        for length in 1...Huffman.maximumLength {
            value |= try bits(1)
            let count = code.counts[length]
            if value - first < count { return code.symbols[index + value - first] }
            index += count
            first = (first + count) << 1
            value <<= 1
        }
        throw StatusListGzip.invalid("an invalid Huffman code at byte \(position)")
    }

    private mutating func reserve(_ count: Int) throws(StatusListError) {
        guard output.count + count <= maximumSize else {
            throw StatusListGzip.invalid("the decompressed list exceeds the limit of \(maximumSize) bytes")
        }
    }

    // MARK: Blocks

    private mutating func storedBlock() throws(StatusListError) {
        bitBuffer = 0  // the rest of the current byte is padding
        position -= bitCount / 8
        bitCount = 0
        guard input.count - position >= 4 else { throw StatusListGzip.invalid("a stored block header is truncated") }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == ~complement & 0xFFFF else { throw StatusListGzip.invalid("a stored block length does not match its complement") }
        position += 4
        guard input.count - position >= length else { throw StatusListGzip.invalid("a stored block is truncated") }
        try reserve(length)
        output += input[position..<position + length]
        position += length
    }

    private mutating func compressedBlock(literals: Huffman, distances: Huffman) throws(StatusListError) {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                try reserve(1)
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < Deflate.lengthBase.count else { throw StatusListGzip.invalid("length symbol \(symbol) is invalid") }
            let length = Deflate.lengthBase[lengthIndex] + (try bits(Deflate.lengthExtra[lengthIndex]))
            let distanceSymbol = try decode(distances)
            guard distanceSymbol < Deflate.distanceBase.count else {
                throw StatusListGzip.invalid("distance symbol \(distanceSymbol) is invalid")
            }
            let distance = Deflate.distanceBase[distanceSymbol] + (try bits(Deflate.distanceExtra[distanceSymbol]))
            guard distance <= output.count - memberStart else {
                throw StatusListGzip.invalid("a match reaches \(distance) bytes back, before the start of the data")
            }
            try reserve(length)
            let start = output.count - distance
            for offset in 0..<length { output.append(output[start + offset]) }
        }
    }

    /// Order in which the code length code lengths are sent.
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private mutating func dynamicCodes() throws(StatusListError) -> (Huffman, Huffman) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw StatusListGzip.invalid("a dynamic block declares too many codes (\(literalCount) literal, \(distanceCount) distance)")
        }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengthLengths[Self.codeLengthOrder[index]] = try bits(3) }
        let codeLengthCode = try Huffman(lengths: codeLengthLengths, name: "code length")

        var lengths: [Int] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengthCode)
            let (value, repeats): (Int, Int)
            switch symbol {
            case 0..<16: (value, repeats) = (symbol, 1)
            case 16:
                guard let previous = lengths.last else { throw StatusListGzip.invalid("a repeat code has no previous length") }
                (value, repeats) = (previous, 3 + (try bits(2)))
            case 17: (value, repeats) = (0, 3 + (try bits(3)))
            default: (value, repeats) = (0, 11 + (try bits(7)))
            }
            guard lengths.count + repeats <= literalCount + distanceCount else {
                throw StatusListGzip.invalid("code lengths overflow the declared counts")
            }
            lengths += repeatElement(value, count: repeats)
        }
        guard lengths[256] > 0 else { throw StatusListGzip.invalid("a dynamic block has no end-of-block code") }
        return (
            try Huffman(lengths: Array(lengths[..<literalCount]), name: "literal/length"),
            try Huffman(lengths: Array(lengths[literalCount...]), name: "distance")
        )
    }
}

/// A canonical Huffman code as counts per length and symbols in code order.
struct Huffman: Sendable {
    static let maximumLength = 15
    /// Codes up to this many bits are decoded with one lookup in `table`.
    static let tableBits = 9
    static let tableSize = 1 << tableBits
    let counts: [Int]
    let symbols: [Int]
    /// Indexed by the next `tableBits` input bits (first bit lowest): `symbol << 4 | length`, or 0 when
    /// the code is longer than `tableBits`.
    let table: [UInt16]

    /// Builds the code from each symbol's code length (0 = unused). An over-subscribed set is invalid;
    /// an incomplete one only when it is a single code of length 1, as zlib also allows.
    init(lengths: [Int], name: String) throws(StatusListError) {
        var counts = [Int](repeating: 0, count: Self.maximumLength + 1)
        for length in lengths { counts[length] += 1 }
        counts[0] = 0
        var left = 1
        for length in 1...Self.maximumLength {
            left = left << 1 - counts[length]
            guard left >= 0 else { throw StatusListGzip.invalid("the \(name) code is over-subscribed") }
        }
        let used = counts.reduce(0, +)
        if left > 0, used > 0, !(used == 1 && counts[1] == 1) {
            throw StatusListGzip.invalid("the \(name) code is incomplete")
        }
        var offsets = [Int](repeating: 0, count: Self.maximumLength + 2)
        for length in 1...Self.maximumLength { offsets[length + 1] = offsets[length] + counts[length] }
        var symbols = [Int](repeating: 0, count: used)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[offsets[length]] = symbol
            offsets[length] += 1
        }
        self.counts = counts
        self.symbols = symbols
        var table = [UInt16](repeating: 0, count: Self.tableSize)
        var code = 0
        var index = 0
        for length in 1...Self.maximumLength {
            for _ in 0..<counts[length] {
                if length <= Self.tableBits {
                    // DEFLATE sends codes most significant bit first; the bit buffer holds them reversed.
                    var reversed = 0
                    for bit in 0..<length { reversed |= (code >> bit & 1) << (length - 1 - bit) }
                    for slot in stride(from: reversed, to: Self.tableSize, by: 1 << length) {
                        table[slot] = UInt16(symbols[index] << 4 | length)
                    }
                }
                code += 1
                index += 1
            }
            code <<= 1
        }
        self.table = table
    }

    static let fixedLiterals: Huffman = {
        let lengths = (0..<288).map { symbol in symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8 }
        return try! Huffman(lengths: lengths, name: "fixed literal/length")  // a complete code by construction
    }()

    static let fixedDistances: Huffman = {
        // All 32 five-bit codes, so the code is complete; symbols 30 and 31 are refused when they occur.
        try! Huffman(lengths: [Int](repeating: 5, count: 32), name: "fixed distance")
    }()
}
