/// A run of data encoded in one mode (ISO/IEC 18004 §7.4): digits in numeric mode, the 45
/// alphanumeric characters, or bytes (UTF-8 for text).
public struct QRSegment: Sendable, Equatable {
    /// The encoding mode of a segment.
    public enum Mode: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Digits 0–9, 10 bits per 3.
        case numeric
        /// 0–9, A–Z, space and `$%*+-./:`, 11 bits per 2.
        case alphanumeric
        /// Any bytes, 8 bits each.
        case byte

        public var description: String { rawValue }

        /// The 4-bit mode indicator (Table 2).
        var indicator: Int {
            switch self {
            case .numeric: 0b0001
            case .alphanumeric: 0b0010
            case .byte: 0b0100
            }
        }

        /// Width of the character count indicator for a version group (Table 3).
        func countWidth(group: Int) -> Int {
            switch self {
            case .numeric: [10, 12, 14][group]
            case .alphanumeric: [9, 11, 13][group]
            case .byte: [8, 16, 16][group]
            }
        }

        /// Whether this mode can hold the character.
        func canEncode(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .numeric: ("0"..."9").contains(scalar)
            case .alphanumeric: QRSegment.alphanumericValue(scalar) != nil
            case .byte: true
            }
        }
    }

    /// The mode.
    public let mode: Mode
    /// The content: ASCII characters for numeric and alphanumeric segments, raw bytes otherwise.
    public let data: [UInt8]

    /// Characters counted by the character count indicator (bytes in byte mode).
    public var characterCount: Int { data.count }

    /// A numeric segment; throws `qr_invalid_segment` for anything but digits.
    public static func numeric(_ digits: String) throws -> QRSegment {
        try QRSegment(checking: digits, mode: .numeric)
    }

    /// An alphanumeric segment; throws `qr_invalid_segment` for characters outside the 45-character set.
    public static func alphanumeric(_ text: String) throws -> QRSegment {
        try QRSegment(checking: text, mode: .alphanumeric)
    }

    /// A byte segment holding raw bytes.
    public static func bytes(_ bytes: [UInt8]) -> QRSegment {
        QRSegment(mode: .byte, data: bytes)
    }

    /// A byte segment holding text as UTF-8.
    public static func text(_ text: String) -> QRSegment {
        QRSegment(mode: .byte, data: Array(text.utf8))
    }

    init(mode: Mode, data: [UInt8]) {
        self.mode = mode
        self.data = data
    }

    private init(checking text: String, mode: Mode) throws {
        for (offset, scalar) in text.unicodeScalars.enumerated() where !mode.canEncode(scalar) {
            throw QRCodeError.invalidCharacter(scalar, offset: offset, mode: mode)
        }
        self.init(mode: mode, data: Array(text.utf8))
    }

    /// Bits of the encoded data after the mode and count indicators.
    var dataBitCount: Int {
        switch mode {
        case .numeric: 10 * (data.count / 3) + [0, 4, 7][data.count % 3]
        case .alphanumeric: 11 * (data.count / 2) + 6 * (data.count % 2)
        case .byte: 8 * data.count
        }
    }

    /// Total bits in a version group, or nil when the count does not fit its indicator.
    func bitCount(group: Int) -> Int? {
        let width = mode.countWidth(group: group)
        guard data.count < 1 << width else { return nil }
        return 4 + width + dataBitCount
    }

    /// Appends mode indicator, character count and data.
    func write(to buffer: inout BitBuffer, group: Int) {
        buffer.append(mode.indicator, width: 4)
        buffer.append(data.count, width: mode.countWidth(group: group))
        switch mode {
        case .numeric:
            var index = 0
            while index < data.count {
                let length = min(3, data.count - index)
                let value = data[index..<index + length].reduce(0) { $0 * 10 + Int($1 - 0x30) }
                buffer.append(value, width: [0, 4, 7, 10][length])
                index += length
            }
        case .alphanumeric:
            var index = 0
            while index + 1 < data.count {
                let first = Self.alphanumericValue(Unicode.Scalar(data[index]))!
                let second = Self.alphanumericValue(Unicode.Scalar(data[index + 1]))!
                buffer.append(first * 45 + second, width: 11)
                index += 2
            }
            if index < data.count {
                buffer.append(Self.alphanumericValue(Unicode.Scalar(data[index]))!, width: 6)
            }
        case .byte:
            for byte in data { buffer.append(Int(byte), width: 8) }
        }
    }

    /// The value of an alphanumeric character (Table 5), or nil.
    static func alphanumericValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "0"..."9": Int(scalar.value) - 0x30
        case "A"..."Z": Int(scalar.value) - 0x41 + 10
        case " ": 36
        case "$": 37
        case "%": 38
        case "*": 39
        case "+": 40
        case "-": 41
        case ".": 42
        case "/": 43
        case ":": 44
        default: nil
        }
    }
}
