/// A reference to a key pair in a PKCS#11 token (RFC 7512), as kept in `KeyRecord.secretLocation`:
/// `pkcs11:token=voltpass;object=op-acme-1;id=%01%02`.
///
/// Parsing is strict. The path may carry `token`, `manufacturer`, `model` and `serial` (which token)
/// and `object`, `id` and `type=private` (which key; at least `object` or `id`). Each attribute at most
/// once, values percent-encoded where RFC 7512 requires it. A query (`?pin-value=…`, `module-path=…`)
/// is refused: the module and the PIN come from the instance's configuration, never from a record.
public struct PKCS11URI: Sendable, Hashable, CustomStringConvertible {
    /// The token label (`CK_TOKEN_INFO.label`, at most 32 bytes).
    public var token: String?
    /// The token manufacturer (`manufacturerID`, at most 32 bytes).
    public var manufacturer: String?
    /// The token model (at most 16 bytes).
    public var model: String?
    /// The token serial number (at most 16 bytes).
    public var serial: String?
    /// The key objects' `CKA_LABEL`.
    public var object: String?
    /// The key objects' `CKA_ID`.
    public var id: [UInt8]?

    /// The scheme every PKCS#11 URI starts with.
    public static let scheme = "pkcs11:"
    /// URIs longer than this are refused.
    static let maximumLength = 4096

    /// A reference to the key pair labelled `object` and/or with `id` in the token labelled `token`.
    public init(
        token: String? = nil, manufacturer: String? = nil, model: String? = nil, serial: String? = nil, object: String? = nil,
        id: [UInt8]? = nil
    ) {
        self.token = token
        self.manufacturer = manufacturer
        self.model = model
        self.serial = serial
        self.object = object
        self.id = id
    }

    /// Whether `location` is meant as a PKCS#11 URI (starts with `pkcs11:`, in any case) rather than a file path.
    public static func isPKCS11URI(_ location: String) -> Bool {
        location.utf8.count >= scheme.utf8.count && location.prefix(scheme.count).lowercased() == scheme
    }

    /// Parses `text` strictly; throws `pkcs11_uri_invalid` saying what is wrong. Attribute values
    /// never appear in the message (a misplaced secret must not end up in a log).
    public init(parsing text: String) throws(HSMError) {
        guard text.utf8.count <= Self.maximumLength else {
            throw HSMError(.invalidURI, "a PKCS#11 URI has at most \(Self.maximumLength) characters")
        }
        guard Self.isPKCS11URI(text) else {
            throw HSMError(.invalidURI, "a PKCS#11 URI starts with 'pkcs11:'")
        }
        let rest = Array(text.utf8.dropFirst(Self.scheme.utf8.count))
        if let mark = rest.firstIndex(of: UInt8(ascii: "?")) {
            let names = rest[(mark + 1)...].split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false).map {
                String(decoding: $0.prefix { $0 != UInt8(ascii: "=") }, as: UTF8.self)
            }
            if names.contains("pin-value") || names.contains("pin-source") {
                throw HSMError(.invalidURI, "a key reference never carries a PIN; it comes from the configuration")
            }
            throw HSMError(
                .invalidURI, "query attributes are not accepted in a key reference; the module and PIN come from the configuration")
        }
        guard !rest.isEmpty else {
            throw HSMError(.invalidURI, "the PKCS#11 URI names no key (it needs 'object' or 'id')")
        }
        var seen: Set<String> = []
        for component in rest.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false) {
            guard let equals = component.firstIndex(of: UInt8(ascii: "=")) else {
                throw HSMError(.invalidURI, "each PKCS#11 URI path attribute is name=value")
            }
            let name = String(decoding: component[..<equals], as: UTF8.self)
            guard seen.insert(name).inserted else {
                throw HSMError(.invalidURI, "the attribute '\(Self.printable(name))' appears twice")
            }
            let value = try Self.decode(component[(equals + 1)...], attribute: name)
            switch name {
            case "token": token = try Self.text(value, attribute: name, maximumBytes: 32)
            case "manufacturer": manufacturer = try Self.text(value, attribute: name, maximumBytes: 32)
            case "model": model = try Self.text(value, attribute: name, maximumBytes: 16)
            case "serial": serial = try Self.text(value, attribute: name, maximumBytes: 16)
            case "object": object = try Self.text(value, attribute: name, maximumBytes: nil)
            case "id": id = value
            case "type":
                guard value == Array("private".utf8) else {
                    throw HSMError(.invalidURI, "a key reference names the private key: 'type' can only be 'private'")
                }
            case "library-manufacturer", "library-description", "library-version", "slot-description", "slot-manufacturer",
                "slot-id":
                throw HSMError(
                    .invalidURI, "the attribute '\(name)' is not supported; name the token by label, manufacturer, model or serial")
            default:
                throw HSMError(.invalidURI, "'\(Self.printable(name))' is not a PKCS#11 URI path attribute")
            }
        }
        guard object != nil || id != nil else {
            throw HSMError(.invalidURI, "the PKCS#11 URI names no key (it needs 'object' or 'id')")
        }
    }

    /// The canonical form: attributes in a fixed order, everything but unreserved characters percent-encoded.
    public var description: String {
        var parts: [String] = []
        if let token { parts.append("token=" + Self.encode(Array(token.utf8))) }
        if let manufacturer { parts.append("manufacturer=" + Self.encode(Array(manufacturer.utf8))) }
        if let model { parts.append("model=" + Self.encode(Array(model.utf8))) }
        if let serial { parts.append("serial=" + Self.encode(Array(serial.utf8))) }
        if let object { parts.append("object=" + Self.encode(Array(object.utf8))) }
        if let id { parts.append("id=" + id.map(Self.percent).joined()) }
        return Self.scheme + parts.joined(separator: ";")
    }

    // MARK: - Encoding

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// RFC 3986 unreserved characters: never encoded.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// Characters RFC 7512 allows literally in a path attribute value (pk11-path-res-avail).
    private static let pathReserved = Set(":[]@!$'()*+,=&".utf8)

    private static func percent(_ byte: UInt8) -> String {
        String(decoding: [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]], as: UTF8.self)
    }

    private static func encode(_ bytes: [UInt8]) -> String {
        bytes.map { isUnreserved($0) ? String(UnicodeScalar($0)) : percent($0) }.joined()
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The bytes of a percent-encoded path attribute value; empty values and characters RFC 7512
    /// does not allow (space, `/`, `?`, `#`, `;`, non-ASCII) are refused.
    private static func decode(_ encoded: ArraySlice<UInt8>, attribute: String) throws(HSMError) -> [UInt8] {
        guard !encoded.isEmpty else {
            throw HSMError(.invalidURI, "the attribute '\(printable(attribute))' has an empty value")
        }
        var bytes: [UInt8] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let byte = encoded[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < encoded.endIndex, let high = hexValue(encoded[index + 1]), let low = hexValue(encoded[index + 2])
                else {
                    throw HSMError(.invalidURI, "the attribute '\(printable(attribute))' has a '%' not followed by two hex digits")
                }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                guard isUnreserved(byte) || pathReserved.contains(byte) else {
                    throw HSMError(
                        .invalidURI, "the attribute '\(printable(attribute))' has a character that must be percent-encoded")
                }
                bytes.append(byte)
                index += 1
            }
        }
        return bytes
    }

    private static func text(_ bytes: [UInt8], attribute: String, maximumBytes: Int?) throws(HSMError) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard Array(text.utf8) == bytes else {
            throw HSMError(.invalidURI, "the attribute '\(attribute)' is not UTF-8 text")
        }
        if let maximumBytes, bytes.count > maximumBytes {
            throw HSMError(.invalidURI, "the attribute '\(attribute)' has at most \(maximumBytes) bytes")
        }
        return text
    }

    /// An attribute name as it may appear in a message: only short names of letters, digits and `-`.
    private static func printable(_ name: String) -> String {
        name.utf8.count <= 32 && name.utf8.allSatisfy({ isUnreserved($0) }) ? name : "…"
    }
}
