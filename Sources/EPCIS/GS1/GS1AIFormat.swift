/// The parts of a GS1 AI format specification (GS1 Barcode Syntax Dictionary syntax) and the character
/// sets of AI values.

/// One component of a specification such as `N6,yymmd0` or `[X..16]`.
struct GS1AIComponent: Sendable {
    let characters: GS1CharacterSet
    let minLength: Int
    let maxLength: Int
    let variable: Bool
    let optional: Bool
    let linters: [String]

    init(_ text: Substring) {
        var text = text
        optional = text.hasPrefix("[")
        if optional { text = text.dropFirst().dropLast() }
        let parts = text.split(separator: ",")
        let format = parts[0]
        characters = switch format.first {
        case "N": .digits
        case "Y": .cset39
        case "Z": .cset64
        default: .cset82
        }
        let length = format.dropFirst()
        variable = length.hasPrefix("..")
        maxLength = Int(length.drop { $0 == "." }) ?? 0
        minLength = variable ? 1 : maxLength
        linters = parts.dropFirst().map(String.init)
    }

    func check(_ bytes: ArraySlice<UInt8>, ai: String, title: String) throws(GS1Error) {
        guard let bad = bytes.firstIndex(where: { !characters.contains($0) }) else {
            for linter in linters { try lint(linter, bytes, ai: ai, title: title) }
            return
        }
        let character = String(decoding: bytes[bad...], as: UTF8.self).first.map(String.init) ?? "?"
        throw GS1Error(.invalidCharacter, "(\(ai)) \(title) contains '\(character)', not in \(characters.name)")
    }

    /// The content checks ("linters") that matter for identifiers and dates; others are not applied.
    private func lint(_ linter: String, _ bytes: ArraySlice<UInt8>, ai: String, title: String) throws(GS1Error) {
        var text: String { String(decoding: bytes, as: UTF8.self) }
        func fail(_ why: String) -> GS1Error { GS1Error(.invalidComponent, "(\(ai)) \(title): \(why)") }
        func number(_ range: Range<Int>) -> Int {
            Int(String(decoding: bytes.dropFirst(range.lowerBound).prefix(range.count), as: UTF8.self)) ?? -1
        }
        switch linter {
        case "csum":
            guard GS1CheckDigit.isValid(bytes: bytes) else {
                let expected = GS1CheckDigit.digit(for: bytes.dropLast()).map { String(UnicodeScalar($0)) } ?? "?"
                throw GS1Error(.checkDigit, "(\(ai)) \(title) \(text): check digit should be \(expected)")
            }
        case "yesno": guard text == "0" || text == "1" else { throw fail("'\(text)' must be 0 or 1") }
        case "zero": guard text == "0" else { throw fail("'\(text)' must be 0") }
        case "nonzero": guard bytes.contains(where: { $0 != UInt8(ascii: "0") }) else { throw fail("must not be zero") }
        case "nozeroprefix":
            guard bytes.count == 1 || bytes.first != UInt8(ascii: "0") else { throw fail("'\(text)' has a leading zero") }
        case "yymmd0", "yymmdd":
            let month = number(2..<4)
            let day = number(4..<6)
            guard (1...12).contains(month), (linter == "yymmd0" ? 0 : 1)...31 ~= day else { throw fail("'\(text)' is not a date") }
        case "yyyymmdd":
            guard (1...12).contains(number(4..<6)), (1...31).contains(number(6..<8)) else { throw fail("'\(text)' is not a date") }
        case "hhmi": guard number(0..<2) < 24, number(2..<4) < 60 else { throw fail("'\(text)' is not a time") }
        case "hh": guard number(0..<2) < 24 else { throw fail("'\(text)' is not an hour") }
        default: break
        }
    }
}

/// The GS1 character sets of AI values (all ASCII, kept as a 128-bit mask).
struct GS1CharacterSet: Sendable {
    let name: String
    private let low: UInt64
    private let high: UInt64

    func contains(_ byte: UInt8) -> Bool {
        byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 && high & (1 << UInt64(byte - 64)) != 0
    }

    private init(_ name: String, _ characters: String) {
        self.name = name
        var low: UInt64 = 0
        var high: UInt64 = 0
        for byte in characters.utf8 {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
        self.low = low
        self.high = high
    }

    private static let digitCharacters = "0123456789"
    private static let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    static let digits = GS1CharacterSet("digits", digitCharacters)
    /// GS1 AI encodable character set 82.
    static let cset82 = GS1CharacterSet(
        "GS1 character set 82", "!\"%&'()*+,-./:;<=>?_" + digitCharacters + upper + upper.lowercased())
    /// base64url characters (with `=` padding), for AIs of type Z.
    static let cset64 = GS1CharacterSet("base64url", "-_=" + digitCharacters + upper + upper.lowercased())
    /// GS1 AI encodable character set 39.
    static let cset39 = GS1CharacterSet("GS1 character set 39", "#-/" + digitCharacters + upper)
}
