/// A QR Code model 2 symbol (ISO/IEC 18004): the module matrix with the version, error-correction
/// level, mask and segments it was built from.
///
/// ```swift
/// let code = try QRCode("HTTPS://VOLTPASS.EXAMPLE/01/09506000134352/21/ABC123?t=…")
/// let png = try code.png(moduleSize: 8)
/// ```
public struct QRCode: Sendable, Equatable {
    /// 1 (21×21 modules) to 40 (177×177).
    public let version: Int
    /// The error-correction level.
    public let errorCorrection: QRErrorCorrection
    /// The data mask pattern, 0...7.
    public let mask: Int
    /// The segments encoded, in order.
    public let segments: [QRSegment]
    /// Modules per side, without the quiet zone.
    public let size: Int
    /// 1 for dark, row by row.
    private let modules: [UInt8]

    /// Encodes text, split into numeric, alphanumeric and UTF-8 byte segments for the shortest
    /// bit stream, in the smallest version that holds it (or exactly `version`), with the mask of
    /// lowest penalty (or exactly `mask`). Throws `qr_data_too_long` when it does not fit.
    public init(
        _ text: String, errorCorrection: QRErrorCorrection = .medium, version: Int? = nil, mask: Int? = nil
    ) throws {
        let candidates = try Self.candidates(version)
        var segments: [QRSegment] = []
        // The best split depends on the character count widths, which change at versions 10 and 27.
        for group in 0...2 {
            let inGroup = candidates.filter { $0.countWidthGroup == group }
            guard !inGroup.isEmpty else { continue }
            segments = SegmentOptimizer.segments(for: text, group: group)
            if let fitting = Self.smallestFitting(segments, in: inGroup, level: errorCorrection) {
                try self.init(segments: segments, errorCorrection: errorCorrection, version: fitting, mask: mask)
                return
            }
        }
        throw Self.tooLong(segments, version: candidates[candidates.count - 1], level: errorCorrection)
    }

    /// Encodes bytes in one byte segment.
    public init(bytes: [UInt8], errorCorrection: QRErrorCorrection = .medium, version: Int? = nil, mask: Int? = nil) throws {
        try self.init(segments: [.bytes(bytes)], errorCorrection: errorCorrection, version: version, mask: mask)
    }

    /// Encodes the given segments as they are.
    public init(
        segments: [QRSegment], errorCorrection: QRErrorCorrection = .medium, version: Int? = nil, mask: Int? = nil
    ) throws {
        let candidates = try Self.candidates(version)
        guard let fitting = Self.smallestFitting(segments, in: candidates, level: errorCorrection) else {
            throw Self.tooLong(segments, version: candidates[candidates.count - 1], level: errorCorrection)
        }
        try self.init(segments: segments, errorCorrection: errorCorrection, version: fitting, mask: mask)
    }

    /// The version asked for, or all of them.
    private static func candidates(_ version: Int?) throws -> [QRVersion] {
        try version.map { [try QRVersion($0)] } ?? QRVersion.all
    }

    private static func smallestFitting(_ segments: [QRSegment], in candidates: [QRVersion], level: QRErrorCorrection) -> QRVersion? {
        candidates.first { version in
            bitCount(segments, version: version).map { $0 <= version.dataCodewords(level) * 8 } ?? false
        }
    }

    private static func tooLong(_ segments: [QRSegment], version: QRVersion, level: QRErrorCorrection) -> QRCodeError {
        .dataTooLong(
            bits: bitCount(segments, version: version), capacity: version.dataCodewords(level) * 8, version: version.number,
            level: level)
    }

    private init(segments: [QRSegment], errorCorrection: QRErrorCorrection, version: QRVersion, mask: Int?) throws {
        if let mask, !(0...7).contains(mask) { throw QRCodeError.invalidMask(mask) }
        let codewords = Codewords.build(segments: segments, version: version, level: errorCorrection)
        var grid = ModuleGrid(functionPatternsFor: version)
        grid.placeData(codewords)
        func masked(_ mask: Int) -> ModuleGrid {
            var candidate = grid
            candidate.applyMask(mask)
            candidate.drawFormat(level: errorCorrection, mask: mask)
            return candidate
        }
        var chosen = (mask: 0, grid: grid)
        if let mask {
            chosen = (mask, masked(mask))
        } else {
            var best = Int.max
            for candidate in 0...7 {
                let candidateGrid = masked(candidate)
                let penalty = candidateGrid.penalty()
                if penalty < best {
                    best = penalty
                    chosen = (candidate, candidateGrid)
                }
            }
        }
        self.version = version.number
        self.errorCorrection = errorCorrection
        self.mask = chosen.mask
        self.segments = segments
        self.size = version.size
        self.modules = chosen.grid.modules
    }

    /// Data bits a version holds at an error-correction level, for segments with their headers.
    /// Throws `qr_invalid_version` outside 1...40.
    public static func dataCapacity(version: Int, errorCorrection: QRErrorCorrection) throws -> Int {
        try QRVersion(version).dataCodewords(errorCorrection) * 8
    }

    /// Total bits of the segments in a version, or nil when a count overflows its indicator.
    private static func bitCount(_ segments: [QRSegment], version: QRVersion) -> Int? {
        var total = 0
        for segment in segments {
            guard let bits = segment.bitCount(group: version.countWidthGroup) else { return nil }
            total += bits
        }
        return total
    }

    /// Whether the module at column `x`, row `y` (from the top-left, without quiet zone) is dark.
    public subscript(x: Int, y: Int) -> Bool {
        precondition((0..<size).contains(x) && (0..<size).contains(y), "module (\(x), \(y)) is outside the \(size)×\(size) symbol")
        return modules[y * size + x] == 1
    }

    /// The module matrix, row by row, `true` for dark.
    public var matrix: [[Bool]] {
        (0..<size).map { y in (0..<size).map { x in modules[y * size + x] == 1 } }
    }
}
