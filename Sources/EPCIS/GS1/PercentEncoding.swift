/// Percent-encoding as GS1 Digital Link and the EPC Tag Data Standard use it.
enum PercentEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Digital Link path segments and query values: everything but `A-Z a-z 0-9 - . _ ~` is encoded.
    static func encodeDigitalLink(_ value: String) -> String {
        encode(value) { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
        }
    }

    /// The Event Hash ID's canonical Digital Link (as the reference generator writes it): like
    /// `encodeDigitalLink`, but `'`, `;` and `=` stay literal, as they are in EPC URNs.
    static func encodeHashDigitalLink(_ value: String) -> String {
        encode(value) { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "-._~';=".utf8.contains(byte)
        }
    }

    /// EPC URN components (TDS 2.x): only `" % & / < > ?` are escaped (and `#` for CPI references).
    static func encodeEPC(_ value: String) -> String {
        encode(value) { byte in !"\"%&/<>?#".utf8.contains(byte) }
    }

    /// Decodes `%XX` escapes (and `+` as space in query values); rejects malformed escapes and
    /// anything that does not decode to UTF-8.
    static func decode(_ text: some StringProtocol, plusIsSpace: Bool) throws(GS1Error) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) || (plusIsSpace && text.utf8.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard iterator.count >= 2, let high = hexValue(iterator.removeFirst()), let low = hexValue(iterator.removeFirst())
                else { throw GS1Error(.invalidCharacter, "malformed percent escape in \(text.prefix(80))") }
                bytes.append(high << 4 | low)
            } else if plusIsSpace, byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw GS1Error(.invalidCharacter, "percent escapes do not decode to UTF-8 in \(text.prefix(80))")
        }
        return decoded
    }

    /// Rejects characters RFC 3986 does not allow in a path (`pchar` and `/`).
    static func checkURIPath(_ path: ArraySlice<UInt8>) throws(GS1Error) {
        for byte in path {
            let allowed =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "-._~!$&'()*+,;=:@/%".utf8.contains(byte)
            guard allowed else {
                throw GS1Error(.invalidCharacter, "character '\(Unicode.Scalar(byte))' is not allowed in a URI path")
            }
        }
    }

    private static func encode(_ value: String, keep: (UInt8) -> Bool) -> String {
        guard !value.utf8.allSatisfy(keep) else { return value }
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 8)
        for byte in value.utf8 {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x37
        case 0x61...0x66: byte - 0x57
        default: nil
        }
    }
}
