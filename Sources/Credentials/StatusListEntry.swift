import Encoding

/// A `BitstringStatusListEntry` in a credential's `credentialStatus`: where the credential's status is
/// kept (list URL and index) and what it means (purpose, size, messages).
public struct StatusListEntry: Sendable, Equatable {
    /// One of the meanings of a multi-bit status value.
    public struct Message: Sendable, Equatable {
        /// The value as the entry writes it, e.g. `0x2`.
        public var status: String
        public var message: String

        public init(status: String, message: String) {
            self.status = status
            self.message = message
        }
    }

    /// The entry's `id`, if any (never the list's URL).
    public var id: String?
    public var purpose: StatusPurpose
    /// `statusListIndex`, written in JSON as a base-10 string.
    public var index: Int
    /// `statusListCredential`: the URL of the status list credential.
    public var listCredential: String
    /// `statusSize`: bits per entry, 1 unless stated.
    public var statusSize: Int
    /// `statusMessage`, required when `statusSize` > 1.
    public var messages: [Message]?

    public init(
        id: String? = nil, purpose: StatusPurpose, index: Int, listCredential: String, statusSize: Int = 1,
        messages: [Message]? = nil
    ) {
        self.id = id
        self.purpose = purpose
        self.index = index
        self.listCredential = listCredential
        self.statusSize = statusSize
        self.messages = messages
    }

    /// The largest `statusSize` accepted: 2^16 status messages.
    public static let maximumStatusSize = 16

    /// The entry as a `credentialStatus` object.
    public var json: JSONObject {
        var object = JSONObject()
        if let id { object["id"] = .string(id) }
        object["type"] = "BitstringStatusListEntry"
        object["statusPurpose"] = .string(purpose.rawValue)
        object["statusListIndex"] = .string(String(index))
        object["statusListCredential"] = .string(listCredential)
        if statusSize != 1 { object["statusSize"] = .number(Double(statusSize)) }
        if let messages {
            object["statusMessage"] = .array(messages.map { ["status": .string($0.status), "message": .string($0.message)] })
        }
        return object
    }

    /// Reads a `BitstringStatusListEntry` object, checking every rule of the data model; a violation
    /// is `status_entry_invalid`, an index too large for any list `range_error`.
    public init(json object: JSONObject) throws(StatusListError) {
        func invalid(_ message: String) -> StatusListError { StatusListError(.statusEntryInvalid, message) }
        guard object["type"]?.stringValue == "BitstringStatusListEntry" else {
            throw invalid("the entry's type is not BitstringStatusListEntry")
        }
        guard let purpose = object["statusPurpose"]?.stringValue else { throw invalid("statusPurpose must be a string") }
        guard let listCredential = object["statusListCredential"]?.stringValue, Self.isURL(listCredential) else {
            throw invalid("statusListCredential must be a URL")
        }
        var id: String?
        if let value = object["id"] {
            guard let string = value.stringValue, Self.isURL(string) else { throw invalid("id must be a URL") }
            guard string != listCredential else { throw invalid("the entry's id must not be the status list's URL") }
            id = string
        }
        guard let indexText = object["statusListIndex"]?.stringValue, !indexText.isEmpty,
            indexText.utf8.allSatisfy({ (0x30...0x39).contains($0) })
        else { throw invalid("statusListIndex must be a base-10 string of digits") }
        guard let index = Int(indexText) else {
            throw StatusListError(.rangeError, "statusListIndex \(indexText) is larger than any status list")
        }
        var statusSize = 1
        if let value = object["statusSize"] {
            guard let size = value.doubleValue, size == size.rounded(), size >= 1, size <= Double(Self.maximumStatusSize) else {
                throw invalid("statusSize must be an integer from 1 to \(Self.maximumStatusSize)")
            }
            statusSize = Int(size)
        }
        var messages: [Message]?
        if let value = object["statusMessage"] {
            guard let array = value.arrayValue else { throw invalid("statusMessage must be an array") }
            messages = try array.map { (element) throws(StatusListError) -> Message in
                guard let status = element["status"]?.stringValue, let message = element["message"]?.stringValue else {
                    throw invalid("each statusMessage element needs the strings status and message")
                }
                return Message(status: status, message: message)
            }
            guard array.count == 1 << statusSize else {
                throw invalid("statusMessage has \(array.count) elements; statusSize \(statusSize) needs \(1 << statusSize)")
            }
        } else if statusSize > 1 {
            throw invalid("statusMessage is required when statusSize is greater than 1")
        }
        self.init(
            id: id, purpose: StatusPurpose(rawValue: purpose), index: index, listCredential: listCredential,
            statusSize: statusSize, messages: messages)
    }

    /// The `BitstringStatusListEntry` objects of a credential's `credentialStatus` (an object or an
    /// array), with the JSON Pointer of each. Entries of other types are skipped.
    public static func entries(in credential: JSONObject) throws(StatusListError) -> [(entry: StatusListEntry, path: String)] {
        let values: [(JSONValue, String)]
        switch credential["credentialStatus"] {
        case nil: return []
        case .array(let elements)?: values = elements.enumerated().map { ($1, "/credentialStatus/\($0)") }
        case let value?: values = [(value, "/credentialStatus")]
        }
        var entries: [(StatusListEntry, String)] = []
        for (value, path) in values where value["type"]?.stringValue == "BitstringStatusListEntry" {
            guard let object = value.objectValue else { continue }
            do {
                entries.append((try StatusListEntry(json: object), path))
            } catch {
                throw StatusListError(error.kind, "\(path): \(error.message)")
            }
        }
        return entries
    }

    /// The entry's status value in `list`, after the checks of the Bitstring Status List validate
    /// algorithm: the list has the entry's purpose (`status_list_invalid`), at least 131,072 entries of
    /// `statusSize` bits (`status_list_length_error`), and the index is in range (`range_error`).
    public func status(in list: StatusListCredential) throws(StatusListError) -> Int {
        guard list.purposes.contains(purpose) else {
            throw StatusListError(
                .statusListInvalid,
                "the status list \(list.id) is for \(list.purposes.map(\.rawValue).joined(separator: ", ")), not \(purpose)")
        }
        let bitstring = StatusListBitstring(bytes: list.bitstring.bytes, statusSize: statusSize)
        try bitstring.checkMinimumLength()
        return try bitstring.status(at: index)
    }

    /// A URL: a scheme (letter, then letters, digits, `+`, `-`, `.`) and a colon, then no whitespace.
    static func isURL(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex,
            text[..<colon].first?.isLetter == true,
            text[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return false }
        return text[text.index(after: colon)...].contains { !$0.isWhitespace } && !text.contains { $0.isWhitespace }
    }
}
