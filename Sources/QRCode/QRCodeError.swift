import Encoding

/// Why a QR Code could not be built or rendered.
public struct QRCodeError: CodedError, Equatable {
    /// The stable machine code.
    public let code: String
    /// What was wrong and where.
    public let message: String

    /// The data does not fit in the largest allowed version at the chosen error-correction level.
    /// `bits` is nil when a segment has more characters than its count indicator can hold.
    static func dataTooLong(bits: Int?, capacity: Int, version: Int, level: QRErrorCorrection) -> QRCodeError {
        let needed = bits.map { "\($0) bits" } ?? "a segment longer than its count indicator allows"
        return QRCodeError(
            code: "qr_data_too_long",
            message: "the data needs \(needed) but version \(version) at level \(level) holds \(capacity) bits")
    }

    /// A version outside 1...40.
    static func invalidVersion(_ version: Int) -> QRCodeError {
        QRCodeError(code: "qr_invalid_version", message: "version \(version) is outside 1...40")
    }

    /// A mask pattern outside 0...7.
    static func invalidMask(_ mask: Int) -> QRCodeError {
        QRCodeError(code: "qr_invalid_mask", message: "mask \(mask) is outside 0...7")
    }

    /// A character a numeric or alphanumeric segment cannot hold.
    static func invalidCharacter(_ character: Unicode.Scalar, offset: Int, mode: QRSegment.Mode) -> QRCodeError {
        let hex = String(character.value, radix: 16, uppercase: true)
        return QRCodeError(
            code: "qr_invalid_segment", message: "character U+\(hex) at offset \(offset) cannot be encoded in \(mode) mode")
    }

    /// A module size, quiet zone or image size that cannot be rendered.
    static func invalidRendering(_ detail: String) -> QRCodeError {
        QRCodeError(code: "qr_invalid_render_option", message: detail)
    }
}
