import Foundation

/// N-Quads (RDF 1.1 / 1.2 syntax) read into quads, and written in the canonical form RDFC-1.0 hashes
/// and outputs: one quad per line, one space between terms, IRIs and strings unescaped except
/// `\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r` and `\uXXXX` (uppercase) for the other control characters.
public enum NQuads {
    /// The quads of an N-Quads document; a line that is not a quad is `nquads_invalid` with its number.
    public static func parse(_ text: String) throws(RDFError) -> [Quad] {
        var quads: [Quad] = []
        var number = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            number += 1
            var reader = LineReader(scalars: Array(line.unicodeScalars), line: number)
            reader.skipSpace()
            if reader.atEnd || reader.peek == "#" { continue }
            let subject = try reader.term(allowLiteral: false)
            let predicate = try reader.term(allowLiteral: false)
            guard case .iri = predicate else { throw reader.fail("the predicate must be an IRI") }
            let object = try reader.term(allowLiteral: true)
            reader.skipSpace()
            var graph: RDFTerm?
            if reader.peek != "." {
                graph = try reader.term(allowLiteral: false)
                reader.skipSpace()
            }
            guard reader.peek == "." else { throw reader.fail("a quad ends with '.'") }
            reader.advance()
            reader.skipSpace()
            guard reader.atEnd || reader.peek == "#" else { throw reader.fail("text after the quad's '.'") }
            quads.append(Quad(subject, predicate, object, graph: graph))
        }
        return quads
    }

    /// The quad in canonical N-Quads, with its newline.
    public static func line(_ quad: Quad) -> String {
        var out: [UInt8] = []
        appendLine(quad, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the quad's canonical line, with its newline, as UTF-8; each blank node is written
    /// with the label `label` gives it.
    static func appendLine(_ quad: Quad, to out: inout [UInt8], label: (String) -> String = { $0 }) {
        write(quad.subject, to: &out, label: label)
        out.append(UInt8(ascii: " "))
        write(quad.predicate, to: &out, label: label)
        out.append(UInt8(ascii: " "))
        write(quad.object, to: &out, label: label)
        if let graph = quad.graph {
            out.append(UInt8(ascii: " "))
            write(graph, to: &out, label: label)
        }
        out.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "\n")])
    }

    /// Canonical lines written one after another into one buffer, then sorted in code point order
    /// and joined: no allocation per line.
    struct Lines {
        private var bytes: [UInt8] = []
        private var ranges: [Range<Int>] = []

        /// Appends the quad's line, its blank nodes labelled by `label`.
        mutating func append(_ quad: Quad, label: (String) -> String = { $0 }) {
            let start = bytes.count
            appendLine(quad, to: &bytes, label: label)
            ranges.append(start..<bytes.count)
        }

        /// The lines in code point order, joined; equal lines once when `unique`.
        func sortedAndJoined(unique: Bool) -> [UInt8] {
            bytes.withUnsafeBytes { buffer in
                func line(_ range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[range]) }
                var out: [UInt8] = []
                out.reserveCapacity(buffer.count)
                var previous: Range<Int>?
                for range in ranges.sorted(by: { compare(line($0), line($1)) }) {
                    if unique, let previous, line(previous).elementsEqual(line(range)) { continue }
                    out.append(contentsOf: line(range))
                    previous = range
                }
                return out
            }
        }
    }

    /// Unicode code point order (what RDFC-1.0 sorts by), not Swift's default string order: the
    /// order of the UTF-8 bytes, which UTF-8 keeps, compared with `memcmp`.
    public static func codePointOrder(_ a: String, _ b: String) -> Bool {
        var (a, b) = (a, b)
        return a.withUTF8 { x in b.withUTF8 { y in compare(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) } }
    }

    private static func compare(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        let common = min(x.count, y.count)
        if common > 0, let left = x.baseAddress, let right = y.baseAddress {
            let order = memcmp(left, right, common)
            if order != 0 { return order < 0 }
        }
        return x.count < y.count
    }

    private static func write(_ term: RDFTerm, to out: inout [UInt8], label: (String) -> String) {
        switch term {
        case .iri(let iri):
            out.append(UInt8(ascii: "<"))
            out.append(contentsOf: iri.utf8)
            out.append(UInt8(ascii: ">"))
        case .blank(let name):
            out.append(contentsOf: [UInt8(ascii: "_"), UInt8(ascii: ":")])
            out.append(contentsOf: label(name).utf8)
        case .literal(let value, let datatype, let language):
            out.append(UInt8(ascii: "\""))
            writeEscaped(value, to: &out)
            out.append(UInt8(ascii: "\""))
            if let language {
                out.append(UInt8(ascii: "@"))
                out.append(contentsOf: language.utf8)
            } else if datatype != RDFTerm.xsdString {
                out.append(contentsOf: [UInt8(ascii: "^"), UInt8(ascii: "^"), UInt8(ascii: "<")])
                out.append(contentsOf: datatype.utf8)
                out.append(UInt8(ascii: ">"))
            }
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// A literal's characters, escaped as canonical N-Quads asks. Every byte to escape is ASCII, and
    /// no byte of a multi-byte UTF-8 sequence is, so the escaping works on bytes.
    private static func writeEscaped(_ value: String, to out: inout [UInt8]) {
        guard value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            out.append(contentsOf: value.utf8)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x00...0x1F, 0x7F:
                out.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)],
                ])
            default: out.append(byte)
            }
        }
    }
}

/// One line of N-Quads, read term by term.
private struct LineReader {
    let scalars: [Unicode.Scalar]
    let line: Int
    var position = 0

    var atEnd: Bool { position >= scalars.count }
    var peek: Unicode.Scalar? { atEnd ? nil : scalars[position] }

    mutating func advance() { position += 1 }

    mutating func skipSpace() {
        while let scalar = peek, scalar == " " || scalar == "\t" { advance() }
    }

    func fail(_ message: String) -> RDFError { RDFError(.invalidNQuads, "line \(line): \(message)") }

    mutating func term(allowLiteral: Bool) throws(RDFError) -> RDFTerm {
        skipSpace()
        switch peek {
        case "<": return .iri(try iri())
        case "_":
            advance()
            guard peek == ":" else { throw fail("a blank node starts with '_:'") }
            advance()
            var label = String.UnicodeScalarView()
            while let scalar = peek, scalar != " ", scalar != "\t", scalar != "." || isLabelContinuing {
                label.append(scalar)
                advance()
            }
            guard !label.isEmpty else { throw fail("a blank node needs a label") }
            return .blank(String(label))
        case "\"" where allowLiteral:
            return try literal()
        default:
            throw fail(allowLiteral ? "expected an IRI, a blank node or a literal" : "expected an IRI or a blank node")
        }
    }

    /// Whether a '.' at the position is inside a blank node label (a label may hold '.' but not end with it).
    private var isLabelContinuing: Bool {
        position + 1 < scalars.count && scalars[position + 1] != " " && scalars[position + 1] != "\t"
    }

    private mutating func iri() throws(RDFError) -> String {
        advance()
        var value = String.UnicodeScalarView()
        while true {
            guard let scalar = peek else { throw fail("an IRI is not closed with '>'") }
            advance()
            switch scalar {
            case ">": return String(value)
            case "\\":
                guard peek == "u" || peek == "U" else { throw fail("only \\u and \\U escapes are allowed in an IRI") }
                value.append(try unicodeEscape())
            case "\u{00}"..."\u{20}", "<", "\"", "{", "}", "|", "^", "`":
                throw fail("an IRI may not hold U+\(String(scalar.value, radix: 16, uppercase: true))")
            default: value.append(scalar)
            }
        }
    }

    private mutating func literal() throws(RDFError) -> RDFTerm {
        advance()
        var value = String.UnicodeScalarView()
        while true {
            guard let scalar = peek else { throw fail("a string is not closed with '\"'") }
            advance()
            if scalar == "\"" { break }
            guard scalar == "\\" else {
                guard scalar != "\n", scalar != "\r" else { throw fail("a line break inside a string") }
                value.append(scalar)
                continue
            }
            guard let escape = peek else { throw fail("a string ends in '\\'") }
            switch escape {
            case "t": value.append("\t"); advance()
            case "b": value.append("\u{08}"); advance()
            case "n": value.append("\n"); advance()
            case "r": value.append("\r"); advance()
            case "f": value.append("\u{0C}"); advance()
            case "\"": value.append("\""); advance()
            case "'": value.append("'"); advance()
            case "\\": value.append("\\"); advance()
            case "u", "U": value.append(try unicodeEscape())
            default: throw fail("unknown escape \\\(escape)")
            }
        }
        let text = String(value)
        if peek == "@" {
            advance()
            var tag = ""
            while let scalar = peek, scalar.properties.isASCIIHexDigit || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "-" {
                tag.unicodeScalars.append(scalar)
                advance()
            }
            guard !tag.isEmpty, tag.first?.isLetter == true else { throw fail("a language tag is empty") }
            return .literal(text, datatype: RDFTerm.langString, language: tag)
        }
        if peek == "^" {
            advance()
            guard peek == "^" else { throw fail("a datatype follows '^^'") }
            advance()
            guard peek == "<" else { throw fail("a datatype is an IRI") }
            return .literal(text, datatype: try iri(), language: nil)
        }
        return .string(text)
    }

    /// `\uXXXX` or `\UXXXXXXXX`, the reader after the backslash.
    private mutating func unicodeEscape() throws(RDFError) -> Unicode.Scalar {
        let long = peek == "U"
        advance()
        let count = long ? 8 : 4
        guard position + count <= scalars.count else { throw fail("a short \\u escape") }
        var code: UInt32 = 0
        for scalar in scalars[position..<(position + count)] {
            guard let digit = Int(String(scalar), radix: 16) else { throw fail("a \\u escape that is not hex") }
            code = code << 4 | UInt32(digit)
        }
        position += count
        guard let scalar = Unicode.Scalar(code) else { throw fail("\\u escape U+\(String(code, radix: 16)) is not a character") }
        return scalar
    }
}
