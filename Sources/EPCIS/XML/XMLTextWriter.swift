/// Writes XML text into a byte buffer: start and end tags, attributes and text, escaped. Characters
/// XML 1.0 cannot carry at all (control characters other than tab, CR and LF) become U+FFFD.
struct XMLTextWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 4_096) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// `<name a="v"…>`, or `<name …/>` when `empty`.
    mutating func start(_ name: String, _ attributes: [(String, String)] = [], empty: Bool = false) {
        bytes.append(UInt8(ascii: "<"))
        raw(name)
        for (attribute, value) in attributes {
            bytes.append(UInt8(ascii: " "))
            raw(attribute)
            bytes.append(contentsOf: "=\"".utf8)
            escape(value, inAttribute: true)
            bytes.append(UInt8(ascii: "\""))
        }
        if empty { bytes.append(UInt8(ascii: "/")) }
        bytes.append(UInt8(ascii: ">"))
    }

    mutating func end(_ name: String) {
        bytes.append(contentsOf: "</".utf8)
        raw(name)
        bytes.append(UInt8(ascii: ">"))
    }

    /// `<name>text</name>`.
    mutating func leaf(_ name: String, _ text: String, _ attributes: [(String, String)] = []) {
        start(name, attributes)
        escape(text, inAttribute: false)
        end(name)
    }

    private mutating func escape(_ text: String, inAttribute: Bool) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\"") where inAttribute: bytes.append(contentsOf: "&quot;".utf8)
            case 0x0D: bytes.append(contentsOf: "&#13;".utf8)
            case 0x09 where inAttribute: bytes.append(contentsOf: "&#9;".utf8)
            case 0x0A where inAttribute: bytes.append(contentsOf: "&#10;".utf8)
            case 0x09, 0x0A: bytes.append(byte)
            case ..<0x20: bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default: bytes.append(byte)
            }
        }
    }
}
