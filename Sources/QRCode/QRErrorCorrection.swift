/// The error-correction level: the share of codewords that can be restored (ISO/IEC 18004 §7.5.1).
public enum QRErrorCorrection: String, Sendable, CaseIterable, CustomStringConvertible {
    /// About 7 % recovery.
    case low = "L"
    /// About 15 % recovery.
    case medium = "M"
    /// About 25 % recovery.
    case quartile = "Q"
    /// About 30 % recovery.
    case high = "H"

    public var description: String { rawValue }

    /// The two error-correction bits of the format information (Table 12).
    var formatBits: Int {
        switch self {
        case .low: 0b01
        case .medium: 0b00
        case .quartile: 0b11
        case .high: 0b10
        }
    }

    /// Row of this level in the block tables.
    var tableIndex: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }
}
