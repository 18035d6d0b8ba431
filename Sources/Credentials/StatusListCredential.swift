import Encoding
import Foundation

/// What a status list records about the credentials that point into it (`statusPurpose`).
public struct StatusPurpose: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A set bit means the credential is revoked, permanently.
    public static let revocation = StatusPurpose(rawValue: "revocation")
    /// A set bit means the credential is suspended; it can be reinstated.
    public static let suspension = StatusPurpose(rawValue: "suspension")
    /// A set bit means a refreshed credential is available.
    public static let refresh = StatusPurpose(rawValue: "refresh")
    /// Each entry is a status value explained by the entry's `statusMessage`.
    public static let message = StatusPurpose(rawValue: "message")

    public var description: String { rawValue }
}

/// A `BitstringStatusListCredential`: the list's id (the URL it is published at), issuer, purposes,
/// decoded bitstring and optional `ttl`, without its proof.
public struct StatusListCredential: Sendable, Equatable {
    /// The credential `id`, equal to the `statusListCredential` URL of the entries pointing into it.
    public var id: String
    /// The issuer DID.
    public var issuer: String
    /// The `statusPurpose` values (one string or an array of them in JSON).
    public var purposes: [StatusPurpose]
    /// The decoded list, with one-bit entries; entries with a larger `statusSize` reinterpret the bytes.
    public var bitstring: StatusListBitstring
    /// `validFrom` when the list was published.
    public var validFrom: Date?
    /// `validUntil`, if the list has an end of validity.
    public var validUntil: Date?
    /// `ttl`: how long, in milliseconds, a verifier may use the list before fetching it again.
    public var timeToLive: Int?

    public init(
        id: String, issuer: String, purposes: [StatusPurpose], bitstring: StatusListBitstring, validFrom: Date? = nil,
        validUntil: Date? = nil, timeToLive: Int? = nil
    ) {
        self.id = id
        self.issuer = issuer
        self.purposes = purposes
        self.bitstring = bitstring
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.timeToLive = timeToLive
    }

    /// The unsigned credential (VC Data Model 2.0), ready to be secured with a proof. The subject's id
    /// is the list's id with `#list`.
    public var document: JSONObject {
        get throws(StatusListError) {
        var subject: JSONObject = [
            "id": .string(id + "#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purposes.count == 1 ? .string(purposes[0].rawValue) : .array(purposes.map { .string($0.rawValue) }),
            "encodedList": .string(try bitstring.encodedList),
        ]
        if let timeToLive { subject["ttl"] = .number(Double(timeToLive)) }
        var document: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": .string(id),
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": .string(issuer),
        ]
        if let validFrom { document["validFrom"] = .string(XSDDateTime.format(validFrom)) }
        if let validUntil { document["validUntil"] = .string(XSDDateTime.format(validUntil)) }
        document["credentialSubject"] = .object(subject)
        return document
        }
    }

    /// Reads a status list credential (its proof is checked elsewhere). Anything that is not a
    /// well-formed `BitstringStatusListCredential` is `status_list_invalid`; `maximumSize` bounds the
    /// decompressed list in bytes.
    public init(document: JSONObject, maximumSize: Int = StatusListGzip.defaultMaximumSize) throws(StatusListError) {
        func invalid(_ message: String) -> StatusListError { StatusListError(.statusListInvalid, message) }
        let types = document["type"].map(Self.strings) ?? []
        guard types.contains("BitstringStatusListCredential") else {
            throw invalid("the status list credential's type does not include BitstringStatusListCredential")
        }
        guard let id = document["id"]?.stringValue else { throw invalid("the status list credential has no id") }
        guard let issuer = document["issuer"]?.stringValue ?? document["issuer"]?["id"]?.stringValue else {
            throw invalid("the status list credential has no issuer")
        }
        guard let subject = document["credentialSubject"]?.objectValue else {
            throw invalid("the status list credential's credentialSubject is not one object")
        }
        guard let subjectType = subject["type"], Self.strings(subjectType).contains("BitstringStatusList") else {
            throw invalid("the credentialSubject's type is not BitstringStatusList")
        }
        let purposes: [String]
        switch subject["statusPurpose"] {
        case .string(let purpose)?: purposes = [purpose]
        case .array(let values)? where !values.isEmpty && values.allSatisfy({ $0.stringValue != nil }):
            purposes = values.compactMap(\.stringValue)
        default: throw invalid("the credentialSubject's statusPurpose is not a string or a non-empty array of strings")
        }
        guard let encodedList = subject["encodedList"]?.stringValue else {
            throw invalid("the credentialSubject has no encodedList string")
        }
        var timeToLive: Int?
        if let ttl = subject["ttl"] {
            guard let value = ttl.doubleValue, value >= 0, value == value.rounded(), value < 1e15 else {
                throw invalid("ttl must be a non-negative whole number of milliseconds")
            }
            timeToLive = Int(value)
        }
        let dates = try ["validFrom", "validUntil"].map { (name) throws(StatusListError) -> Date? in
            guard let value = document[name] else { return nil }
            guard let text = value.stringValue, let date = XSDDateTime.parse(text) else {
                throw invalid("\(name) is not a dateTimeStamp")
            }
            return date
        }
        self.init(
            id: id, issuer: issuer, purposes: purposes.map(StatusPurpose.init(rawValue:)),
            bitstring: try StatusListBitstring(encodedList: encodedList, maximumSize: maximumSize),
            validFrom: dates[0], validUntil: dates[1], timeToLive: timeToLive)
    }

    private static func strings(_ value: JSONValue) -> [String] {
        if let string = value.stringValue { return [string] }
        return value.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
