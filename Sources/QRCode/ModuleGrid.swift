/// The square of modules being built: function patterns (finders, separators, timing, alignment,
/// format and version information) and the data area around them (ISO/IEC 18004 §6.3, §7.7).
/// Coordinates are (x: column, y: row) from the top-left.
struct ModuleGrid: Sendable {
    let size: Int
    /// 1 for a dark module, 0 for a light one, row by row.
    private(set) var modules: [UInt8]
    /// Whether a module belongs to a function pattern (never masked, never holds data).
    private(set) var isFunction: [Bool]

    /// A grid with every function pattern of the version drawn and the format information area
    /// reserved (drawn per mask by `drawFormat`).
    init(functionPatternsFor version: QRVersion) {
        size = version.size
        modules = [UInt8](repeating: 0, count: size * size)
        isFunction = [Bool](repeating: false, count: size * size)
        for index in 0..<size {
            setFunction(x: 6, y: index, dark: index % 2 == 0)
            setFunction(x: index, y: 6, dark: index % 2 == 0)
        }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] { drawFinder(centerX: x, centerY: y) }
        let coordinates = version.alignmentCoordinates
        let last = coordinates.count - 1
        for (row, y) in coordinates.enumerated() {
            for (column, x) in coordinates.enumerated() {
                let overlapsFinder = (row == 0 && column == 0) || (row == 0 && column == last) || (row == last && column == 0)
                if !overlapsFinder { drawAlignment(centerX: x, centerY: y) }
            }
        }
        drawFormat(bits: 0)
        drawVersion(version)
    }

    func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] == 1 }

    private mutating func setFunction(x: Int, y: Int, dark: Bool) {
        modules[y * size + x] = dark ? 1 : 0
        isFunction[y * size + x] = true
    }

    /// A 7×7 finder pattern with its light separator, clipped at the symbol edge.
    private mutating func drawFinder(centerX: Int, centerY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centerX + dx
                let y = centerY + dy
                guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(x: x, y: y, dark: ring != 2 && ring != 4)
            }
        }
    }

    /// A 5×5 alignment pattern: dark centre, light ring, dark ring.
    private mutating func drawAlignment(centerX: Int, centerY: Int) {
        for dy in -2...2 {
            for dx in -2...2 { setFunction(x: centerX + dx, y: centerY + dy, dark: max(abs(dx), abs(dy)) != 1) }
        }
    }

    /// The 15-bit format information, twice, and the dark module beside the lower-left finder (§7.9).
    private mutating func drawFormat(bits: Int) {
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0...5 { setFunction(x: 8, y: index, dark: bit(index)) }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for index in 9...14 { setFunction(x: 14 - index, y: 8, dark: bit(index)) }
        for index in 0...7 { setFunction(x: size - 1 - index, y: 8, dark: bit(index)) }
        for index in 8...14 { setFunction(x: 8, y: size - 15 + index, dark: bit(index)) }
        setFunction(x: 8, y: size - 8, dark: true)
    }

    /// Format information for a level and mask: 5 data bits, BCH(15,5) remainder, XOR 101010000010010.
    mutating func drawFormat(level: QRErrorCorrection, mask: Int) {
        let data = level.formatBits << 3 | mask
        drawFormat(bits: (data << 10 | Self.bchRemainder(data, dataWidth: 5, generator: 0x537)) ^ 0x5412)
    }

    /// The 18-bit version information in two 6×3 blocks, from version 7 on (§7.10).
    private mutating func drawVersion(_ version: QRVersion) {
        guard version.number >= 7 else { return }
        let bits = version.number << 12 | Self.bchRemainder(version.number, dataWidth: 6, generator: 0x1F25)
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            let long = size - 11 + index % 3
            let short = index / 3
            setFunction(x: long, y: short, dark: dark)
            setFunction(x: short, y: long, dark: dark)
        }
    }

    /// The remainder of data·x^k divided by a BCH generator of degree k.
    private static func bchRemainder(_ data: Int, dataWidth: Int, generator: Int) -> Int {
        let degree = generator.bitWidth - generator.leadingZeroBitCount - 1
        var value = data << degree
        for shift in stride(from: dataWidth - 1, through: 0, by: -1) where (value >> (shift + degree)) & 1 == 1 {
            value ^= generator << shift
        }
        return value
    }

    /// Places the codewords' bits in two-module columns, zigzagging up and down from the
    /// bottom-right corner and skipping the vertical timing pattern; leftover modules stay light (§7.7.3).
    mutating func placeData(_ codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var bitIndex = 0
        var right = size - 1
        var upward = true
        while right > 0 {
            if right == 6 { right = 5 }
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in stride(from: right, through: right - 1, by: -1) where !isFunction[y * size + x] {
                    if bitIndex < bitCount {
                        modules[y * size + x] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1
                    }
                    bitIndex += 1
                }
            }
            upward.toggle()
            right -= 2
        }
    }

    /// Inverts every data module where the mask pattern's condition holds (Table 10, i = row, j = column).
    mutating func applyMask(_ mask: Int) {
        switch mask {
        case 0: invert { i, j in (i + j) % 2 == 0 }
        case 1: invert { i, _ in i % 2 == 0 }
        case 2: invert { _, j in j % 3 == 0 }
        case 3: invert { i, j in (i + j) % 3 == 0 }
        case 4: invert { i, j in (i / 2 + j / 3) % 2 == 0 }
        case 5: invert { i, j in (i * j) % 2 + (i * j) % 3 == 0 }
        case 6: invert { i, j in ((i * j) % 2 + (i * j) % 3) % 2 == 0 }
        default: invert { i, j in ((i + j) % 2 + (i * j) % 3) % 2 == 0 }
        }
    }

    @inline(__always)
    private mutating func invert(where condition: (_ row: Int, _ column: Int) -> Bool) {
        let size = size
        isFunction.withUnsafeBufferPointer { isFunction in
            modules.withUnsafeMutableBufferPointer { modules in
                for i in 0..<size {
                    for j in 0..<size where !isFunction[i * size + j] && condition(i, j) { modules[i * size + j] ^= 1 }
                }
            }
        }
    }
}
