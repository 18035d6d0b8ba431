/// The size of a QR Code symbol, 1 (21×21 modules) to 40 (177×177), with its block structure
/// (ISO/IEC 18004 §5.3, Table 9).
struct QRVersion: Sendable, Hashable {
    let number: Int

    static let range = 1...40

    init(_ number: Int) throws {
        guard Self.range.contains(number) else { throw QRCodeError.invalidVersion(number) }
        self.number = number
    }

    private init(checked number: Int) { self.number = number }

    static let all: [QRVersion] = range.map(QRVersion.init(checked:))

    /// Modules per side.
    var size: Int { 17 + 4 * number }

    /// Row and column coordinates of the alignment pattern centres (Annex E): evenly spaced from
    /// the bottom-right towards column 6, the spacing rounded up to an even number.
    var alignmentCoordinates: [Int] {
        guard number > 1 else { return [] }
        let count = number / 7 + 2
        let last = size - 7
        let step = number == 32 ? 26 : ((last - 6) + (count - 1) * 2 - 1) / ((count - 1) * 2) * 2
        return [6] + (1..<count).map { last - (count - 1 - $0) * step }
    }

    /// Codewords in the symbol (data and error correction), from the modules left free by the
    /// function patterns; the remainder bits (0, 3, 4 or 7) are left over.
    var totalCodewords: Int { Self.totalCodewordTable[number - 1] }

    private static let totalCodewordTable: [Int] = all.map { version in
        let grid = ModuleGrid(functionPatternsFor: version)
        return grid.isFunction.lazy.filter { !$0 }.count / 8
    }

    /// Error-correction codewords per block (Table 9).
    func errorCorrectionCodewordsPerBlock(_ level: QRErrorCorrection) -> Int {
        Self.eccPerBlock[level.tableIndex][number - 1]
    }

    /// Number of error-correction blocks (Table 9).
    func blockCount(_ level: QRErrorCorrection) -> Int {
        Self.blocks[level.tableIndex][number - 1]
    }

    /// Data codewords available at an error-correction level.
    func dataCodewords(_ level: QRErrorCorrection) -> Int {
        totalCodewords - errorCorrectionCodewordsPerBlock(level) * blockCount(level)
    }

    /// Which of the three character-count widths applies: versions 1–9, 10–26, 27–40 (Table 3).
    var countWidthGroup: Int { number <= 9 ? 0 : number <= 26 ? 1 : 2 }

    private static let eccPerBlock: [[Int]] = [
        [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
         28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
         26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
         28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
         30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    private static let blocks: [[Int]] = [
        [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
         8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
         23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
         25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]
}
