/// A non-validating XML 1.0 reader with namespaces, written for untrusted EPCIS captures.
///
/// Why our own and not FoundationXML's `XMLParser` (libxml2) or a package: the reader must refuse
/// hostile input *before* it costs anything, and with a stable code. libxml2 parses the internal
/// subset, declares and expands entities before a delegate hears of them, and `XMLParser` reports
/// neither a bare `<!DOCTYPE>` nor its depth as it goes; the mirrored packages sit on the same
/// parser or build a whole DOM first. Here nothing of a DTD is ever read: a document type
/// declaration with an internal subset or an external identifier is `xml_doctype_forbidden` (the bare
/// `<!DOCTYPE name>` some GS1 examples carry declares nothing and is skipped), the only entities are
/// the five predefined ones and character references, nothing is fetched, and depth, text, name,
/// attribute and element counts are checked as the bytes are read. Input must be UTF-8.
struct XMLTreeParser {
    private let bytes: [UInt8]
    private let limits: XMLLimits
    private var index = 0
    private var line = 1
    private var elements = 0
    /// Namespace declarations in scope, innermost last: (prefix, namespace), "" for the default namespace.
    private var scopes: [(prefix: String, namespace: String)] = [("xml", "http://www.w3.org/XML/1998/namespace")]

    private init(_ bytes: [UInt8], limits: XMLLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// The document's root element, or the first reason the document is refused.
    static func parse(_ bytes: [UInt8], limits: XMLLimits) throws(EPCISXMLError) -> XMLElementNode {
        var parser = XMLTreeParser(bytes, limits: limits)
        return try parser.document()
    }

    // MARK: Document and prolog

    private mutating func document() throws(EPCISXMLError) -> XMLElementNode {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            throw EPCISXMLError(EPCISXMLError.encodingUnsupported, "the document is UTF-16; only UTF-8 is read")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        if bytes.count - index > 0, bytes[index] == 0 || (bytes.count - index > 1 && bytes[index + 1] == 0) {
            throw EPCISXMLError(EPCISXMLError.encodingUnsupported, "the document is not UTF-8")
        }
        if looking(at: "<?xml") && index + 5 < bytes.count && Self.isSpace(bytes[index + 5]) { try declaration() }
        try Self.checkCharacters(bytes, from: index)
        try misc(allowDoctype: true)
        guard looking(at: "<") else { throw fail(EPCISXMLError.malformed, "the document has no root element") }
        let root = try element(depth: 1)
        try misc(allowDoctype: false)
        guard index == bytes.count else { throw fail(EPCISXMLError.malformed, "content after the root element") }
        return root
    }

    /// `<?xml version="1.x" encoding="…" standalone="…"?>`: only UTF-8 (or its ASCII subset) is read.
    private mutating func declaration() throws(EPCISXMLError) {
        index += 5
        var sawVersion = false
        while true {
            skipSpace()
            if looking(at: "?>") {
                index += 2
                break
            }
            guard index < bytes.count else { throw fail(EPCISXMLError.malformed, "the XML declaration is not closed") }
            let name = try self.name()
            skipSpace()
            try expect("=")
            skipSpace()
            let value = try quotedLiteral()
            switch name {
            case "version":
                guard value.hasPrefix("1.") else { throw fail(EPCISXMLError.malformed, "XML version '\(value)' is not 1.x") }
                sawVersion = true
            case "encoding":
                guard ["utf-8", "utf8", "us-ascii", "ascii"].contains(value.lowercased()) else {
                    throw fail(EPCISXMLError.encodingUnsupported, "the declared encoding '\(value)' is not UTF-8")
                }
            case "standalone": break
            default: throw fail(EPCISXMLError.malformed, "the XML declaration has no '\(name)'")
            }
        }
        guard sawVersion else { throw fail(EPCISXMLError.malformed, "the XML declaration has no version") }
    }

    /// Whitespace, comments and processing instructions around the root element (and a bare
    /// document type declaration before it).
    private mutating func misc(allowDoctype: Bool) throws(EPCISXMLError) {
        while true {
            skipSpace()
            if looking(at: "<!--") {
                try comment()
            } else if looking(at: "<?") {
                try processingInstruction()
            } else if looking(at: "<!DOCTYPE") {
                guard allowDoctype else { throw fail(EPCISXMLError.doctypeForbidden, "a document type declaration after the root element") }
                try doctype()
            } else {
                return
            }
        }
    }

    /// Accepts `<!DOCTYPE name>` alone; anything that could declare or fetch something is refused.
    private mutating func doctype() throws(EPCISXMLError) {
        index += 9
        skipSpace()
        _ = try name()
        skipSpace()
        guard looking(at: ">") else {
            throw fail(EPCISXMLError.doctypeForbidden, "document type declarations (DTDs, entities, external identifiers) are not accepted")
        }
        index += 1
    }

    private mutating func comment() throws(EPCISXMLError) {
        index += 4
        while index < bytes.count {
            if looking(at: "--") {
                guard looking(at: "-->") else { throw fail(EPCISXMLError.malformed, "'--' inside a comment") }
                index += 3
                return
            }
            advance()
        }
        throw fail(EPCISXMLError.malformed, "a comment is not closed")
    }

    private mutating func processingInstruction() throws(EPCISXMLError) {
        index += 2
        let target = try name()
        if target.lowercased() == "xml" { throw fail(EPCISXMLError.malformed, "an XML declaration must come first") }
        while index < bytes.count {
            if looking(at: "?>") {
                index += 2
                return
            }
            advance()
        }
        throw fail(EPCISXMLError.malformed, "a processing instruction is not closed")
    }

    // MARK: Elements

    private mutating func element(depth: Int) throws(EPCISXMLError) -> XMLElementNode {
        guard depth <= limits.maxDepth else {
            throw fail(EPCISXMLError.tooDeep, "elements are nested deeper than \(limits.maxDepth) levels")
        }
        elements += 1
        guard elements <= limits.maxElements else {
            throw fail(EPCISXMLError.tooLarge, "the document has more than \(limits.maxElements) elements")
        }
        let startLine = line
        index += 1
        let qualifiedName = try name()
        var raw: [(name: String, value: String)] = []
        var closed = false
        while true {
            let spaced = skipSpace()
            if looking(at: "/>") {
                index += 2
                closed = true
                break
            }
            if looking(at: ">") {
                index += 1
                break
            }
            guard spaced, index < bytes.count else { throw fail(EPCISXMLError.malformed, "the start tag of <\(qualifiedName)> is not well-formed") }
            let attributeName = try name()
            skipSpace()
            try expect("=")
            skipSpace()
            let value = try attributeValue()
            guard !raw.contains(where: { $0.name == attributeName }) else {
                throw fail(EPCISXMLError.malformed, "<\(qualifiedName)> has the attribute \(attributeName) twice")
            }
            raw.append((attributeName, value))
            guard raw.count <= limits.maxAttributes else {
                throw fail(EPCISXMLError.tooLarge, "<\(qualifiedName)> has more than \(limits.maxAttributes) attributes")
            }
        }
        let scopeCount = scopes.count
        defer { scopes.removeSubrange(scopeCount...) }
        var attributes: [XMLAttributeNode] = []
        for (attributeName, value) in raw {
            if attributeName == "xmlns" {
                scopes.append(("", value))
            } else if attributeName.hasPrefix("xmlns:") {
                let prefix = String(attributeName.dropFirst(6))
                guard !value.isEmpty else { throw fail(EPCISXMLError.malformed, "the prefix \(prefix) cannot be undeclared") }
                guard !prefix.contains(":"), prefix != "xmlns" else { throw fail(EPCISXMLError.malformed, "'\(attributeName)' is not a namespace declaration") }
                scopes.append((prefix, value))
            }
        }
        for (attributeName, value) in raw where attributeName != "xmlns" && !attributeName.hasPrefix("xmlns:") {
            let (prefix, local) = try split(attributeName)
            let namespace = prefix.isEmpty ? "" : try resolve(prefix, of: attributeName)
            if attributes.contains(where: { $0.namespace == namespace && $0.localName == local && !namespace.isEmpty }) {
                throw fail(EPCISXMLError.malformed, "<\(qualifiedName)> has the attribute {\(namespace)}\(local) twice")
            }
            attributes.append(XMLAttributeNode(namespace: namespace, localName: local, prefix: prefix, value: value))
        }
        let (prefix, local) = try split(qualifiedName)
        let namespace = try resolve(prefix, of: qualifiedName)
        var node = XMLElementNode(
            namespace: namespace, localName: local, prefix: prefix, attributes: attributes, children: [], text: "", line: startLine)
        node.declarations = Array(scopes[scopeCount...])
        if closed { return node }
        var text: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail(EPCISXMLError.malformed, "<\(qualifiedName)> is not closed") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                if looking(at: "</") {
                    index += 2
                    let end = try name()
                    skipSpace()
                    try expect(">")
                    guard end == qualifiedName else {
                        throw fail(EPCISXMLError.malformed, "</\(end)> closes <\(qualifiedName)> of line \(startLine)")
                    }
                    break
                } else if looking(at: "<!--") {
                    try comment()
                } else if looking(at: "<![CDATA[") {
                    index += 9
                    while true {
                        guard index < bytes.count else { throw fail(EPCISXMLError.malformed, "a CDATA section is not closed") }
                        if looking(at: "]]>") {
                            index += 3
                            break
                        }
                        try appendText(&text, node: qualifiedName)
                    }
                } else if looking(at: "<!") {
                    throw fail(EPCISXMLError.doctypeForbidden, "markup declarations are not accepted inside elements")
                } else if looking(at: "<?") {
                    try processingInstruction()
                } else {
                    node.children.append(try element(depth: depth + 1))
                }
            } else if byte == UInt8(ascii: "&") {
                try reference(into: &text)
                try checkLength(text.count, of: qualifiedName)
            } else if byte == UInt8(ascii: "]") || byte == 0x0D {
                if looking(at: "]]>") { throw fail(EPCISXMLError.malformed, "']]>' in text") }
                try appendText(&text, node: qualifiedName)
            } else {
                // A run of plain text, copied at once.
                let start = index
                while index < bytes.count {
                    let next = bytes[index]
                    if next == UInt8(ascii: "<") || next == UInt8(ascii: "&") || next == UInt8(ascii: "]") || next == 0x0D { break }
                    if next == 0x0A { line += 1 }
                    index += 1
                }
                text.append(contentsOf: bytes[start..<index])
                try checkLength(text.count, of: qualifiedName)
            }
        }
        if !(node.children.isEmpty == false && text.allSatisfy(Self.isSpace)) {
            node.text = String(decoding: text, as: UTF8.self)
        }
        return node
    }

    /// Appends the byte at the cursor to `text`, with line ends normalized to LF.
    private mutating func appendText(_ text: inout [UInt8], node: String) throws(EPCISXMLError) {
        let byte = bytes[index]
        if byte == 0x0D {
            text.append(0x0A)
            index += 1
            if index < bytes.count, bytes[index] == 0x0A { index += 1 }
            line += 1
        } else {
            text.append(byte)
            advance()
        }
        try checkLength(text.count, of: node)
    }

    private func checkLength(_ length: Int, of node: String) throws(EPCISXMLError) {
        guard length <= limits.maxTextLength else {
            throw fail(EPCISXMLError.tooLarge, "a text or attribute value of <\(node)> is longer than \(limits.maxTextLength) bytes")
        }
    }

    // MARK: Names, values and references

    /// An XML name (the characters are checked loosely: any non-ASCII byte may be part of one).
    private mutating func name() throws(EPCISXMLError) -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            let allowed = byte >= 0x80 || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
                || (index > start
                    && ((byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")))
            guard allowed else { break }
            index += 1
            guard index - start <= limits.maxNameLength else {
                throw fail(EPCISXMLError.tooLarge, "a name is longer than \(limits.maxNameLength) bytes")
            }
        }
        guard index > start else { throw fail(EPCISXMLError.malformed, "a name was expected") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// `prefix:local` split at its colon; ("", name) without one.
    private func split(_ qualifiedName: String) throws(EPCISXMLError) -> (String, String) {
        let parts = qualifiedName.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return ("", qualifiedName)
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty: return (String(parts[0]), String(parts[1]))
        default: throw fail(EPCISXMLError.malformed, "'\(qualifiedName)' is not a qualified name")
        }
    }

    private func resolve(_ prefix: String, of qualifiedName: String) throws(EPCISXMLError) -> String {
        if let binding = scopes.last(where: { $0.prefix == prefix }) { return binding.namespace }
        if prefix.isEmpty { return "" }
        throw fail(EPCISXMLError.namespaceUndeclared, "the prefix of '\(qualifiedName)' is not declared")
    }

    /// A quoted attribute value, references replaced and whitespace characters made spaces.
    private mutating func attributeValue() throws(EPCISXMLError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw fail(EPCISXMLError.malformed, "an attribute value must be quoted")
        }
        let quote = bytes[index]
        index += 1
        var value: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail(EPCISXMLError.malformed, "an attribute value is not closed") }
            let byte = bytes[index]
            if byte == quote {
                index += 1
                break
            }
            switch byte {
            case UInt8(ascii: "<"): throw fail(EPCISXMLError.malformed, "'<' in an attribute value")
            case UInt8(ascii: "&"): try reference(into: &value)
            case 0x0D:
                value.append(0x20)
                index += 1
                if index < bytes.count, bytes[index] == 0x0A { index += 1 }
                line += 1
            case 0x09, 0x0A:
                value.append(0x20)
                advance()
            default:
                value.append(byte)
                index += 1
            }
            try checkLength(value.count, of: "attribute")
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// The value of the XML declaration's pseudo-attributes (no references).
    private mutating func quotedLiteral() throws(EPCISXMLError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw fail(EPCISXMLError.malformed, "a quoted value was expected")
        }
        let quote = bytes[index]
        let start = index + 1
        guard let end = bytes[start...].prefix(64).firstIndex(of: quote) else { throw fail(EPCISXMLError.malformed, "a quoted value is not closed") }
        index = end + 1
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;`, `&#N;` or `&#xH;`, appended as UTF-8.
    private mutating func reference(into text: inout [UInt8]) throws(EPCISXMLError) {
        let start = index + 1
        guard let end = bytes[start...].prefix(12).firstIndex(of: UInt8(ascii: ";")), end > start else {
            throw fail(EPCISXMLError.malformed, "'&' that starts no reference")
        }
        let body = bytes[start..<end]
        index = end + 1
        if body.first == UInt8(ascii: "#") {
            let hex = body.dropFirst().first == UInt8(ascii: "x")
            let digits = String(decoding: body.dropFirst(hex ? 2 : 1), as: UTF8.self)
            guard !digits.isEmpty, let value = UInt32(digits, radix: hex ? 16 : 10), Self.isXMLChar(value), let scalar = Unicode.Scalar(value)
            else { throw fail(EPCISXMLError.malformed, "'&\(String(decoding: body, as: UTF8.self));' is not a character") }
            text.append(contentsOf: String(Character(scalar)).utf8)
            return
        }
        switch String(decoding: body, as: UTF8.self) {
        case "lt": text.append(UInt8(ascii: "<"))
        case "gt": text.append(UInt8(ascii: ">"))
        case "amp": text.append(UInt8(ascii: "&"))
        case "quot": text.append(UInt8(ascii: "\""))
        case "apos": text.append(UInt8(ascii: "'"))
        case let other: throw fail(EPCISXMLError.entityUndeclared, "the entity '&\(other);' is not declared (no DTD is read)")
        }
    }

    // MARK: Cursor

    private func looking(at literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] { return false }
        return true
    }

    private mutating func expect(_ literal: StaticString) throws(EPCISXMLError) {
        guard looking(at: literal) else { throw fail(EPCISXMLError.malformed, "'\(literal)' was expected") }
        index += literal.utf8CodeUnitCount
    }

    /// Skips whitespace; whether there was any.
    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = index
        while index < bytes.count, Self.isSpace(bytes[index]) { advance() }
        return index > start
    }

    private mutating func advance() {
        if bytes[index] == 0x0A { line += 1 }
        index += 1
    }

    private func fail(_ code: String, _ message: String) -> EPCISXMLError {
        EPCISXMLError(code, "line \(line): \(message)")
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private static func isXMLChar(_ value: UInt32) -> Bool {
        value == 0x09 || value == 0x0A || value == 0x0D || (0x20...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value)
            || (0x10000...0x10FFFF).contains(value)
    }

    /// Checks that the bytes from `start` are UTF-8 of XML characters only (no control characters
    /// but tab, CR and LF; no U+FFFE or U+FFFF), before anything else reads them.
    private static func checkCharacters(_ bytes: [UInt8], from start: Int) throws(EPCISXMLError) {
        var index = start
        var line = 1
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead < 0x20 && lead != 0x09 && lead != 0x0D {
                    guard lead == 0x0A else { throw EPCISXMLError(EPCISXMLError.malformed, "line \(line): control character U+00\(lead < 0x10 ? "0" : "")\(String(lead, radix: 16, uppercase: true))") }
                    line += 1
                }
                index += 1
                continue
            }
            let length: Int
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF: (length, scalar) = (2, UInt32(lead & 0x1F))
            case 0xE0...0xEF: (length, scalar) = (3, UInt32(lead & 0x0F))
            case 0xF0...0xF4: (length, scalar) = (4, UInt32(lead & 0x07))
            default: throw EPCISXMLError(EPCISXMLError.malformed, "line \(line): bytes that are not UTF-8")
            }
            guard index + length <= count else { throw EPCISXMLError(EPCISXMLError.malformed, "line \(line): a truncated UTF-8 sequence") }
            for offset in 1..<length {
                let next = bytes[index + offset]
                guard next & 0xC0 == 0x80 else { throw EPCISXMLError(EPCISXMLError.malformed, "line \(line): bytes that are not UTF-8") }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            let shortest: UInt32 = length == 3 ? 0x800 : length == 4 ? 0x10000 : 0x80
            guard scalar >= shortest, isXMLChar(scalar) else {
                throw EPCISXMLError(EPCISXMLError.malformed, "line \(line): a character XML does not allow (or an overlong UTF-8 form)")
            }
            index += length
        }
    }
}
