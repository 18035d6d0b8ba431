import Encoding
import Foundation

/// A Verifiable Credential (VC Data Model 2.0) held as the JSON document it arrived as, so
/// extension terms survive untouched and are signed and verified as they are (REQ-NF04). The
/// accessors read the base properties; `DataModelValidator` checks them.
public struct Credential: Sendable, Hashable {
    /// The document as received.
    public let json: JSONObject

    /// Wraps a JSON object.
    public init(_ object: JSONObject) {
        json = object
    }

    /// Wraps a JSON value; throws `malformed_credential` unless it is an object.
    public init(_ value: JSONValue) throws(CredentialError) {
        guard let object = value.objectValue else {
            throw CredentialError("malformed_credential", "a credential must be a JSON object", path: "")
        }
        json = object
    }

    /// Parses UTF-8 JSON text (strictly: duplicate keys and bad UTF-8 are errors) as a credential.
    public init(parsing bytes: some Collection<UInt8>) throws(CredentialError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw CredentialError("malformed_credential", "the credential is not valid JSON: \(error.message)")
        }
        try self.init(value)
    }

    /// The `id`, when it is a string.
    public var id: String? { json["id"]?.stringValue }
    /// The `type` values (a single string counts as one).
    public var types: [String] { Credential.strings(json["type"]) }
    /// The issuer's identifier: the `issuer` string or the `id` of an issuer object.
    public var issuerID: String? { json["issuer"]?.stringValue ?? json["issuer"]?["id"]?.stringValue }
    /// Whether the credential is of the VC Data Model 1.1 (its first context is
    /// `https://www.w3.org/2018/credentials/v1`), as deployed legacy credentials are; verified, never issued.
    public var isDataModel11: Bool { json["@context"]?[0]?.stringValue == ContextTerms.credentialsV1 }
    /// `validFrom` (VC 1.1: `issuanceDate`), when present and a dateTimeStamp.
    public var validFrom: Date? { json[isDataModel11 ? "issuanceDate" : "validFrom"]?.stringValue.flatMap(XSDDateTime.parse) }
    /// `validUntil` (VC 1.1: `expirationDate`), when present and a dateTimeStamp.
    public var validUntil: Date? { json[isDataModel11 ? "expirationDate" : "validUntil"]?.stringValue.flatMap(XSDDateTime.parse) }
    /// The proof objects (a single proof or a proof set); entries that are not objects are skipped.
    public var proofs: [JSONObject] { DataIntegrity.proofObjects(json["proof"]) }
    /// The document without `proof`: what the issuer's proofs sign.
    public var unsecured: JSONObject {
        var copy = json
        copy.removeValue(forKey: "proof")
        return copy
    }

    /// The first subject's `id`, if it has one.
    public var subjectID: String? {
        (json["credentialSubject"]?.arrayValue?.first ?? json["credentialSubject"])?["id"]?.stringValue
    }

    static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let string): [string]
        case .array(let items): items.compactMap(\.stringValue)
        default: []
        }
    }
}

/// A Verifiable Presentation held as received, with the credentials it carries.
public struct Presentation: Sendable, Hashable {
    /// One entry of `verifiableCredential`.
    public enum Entry: Sendable, Hashable {
        /// An embedded credential (JSON object).
        case credential(Credential)
        /// An `EnvelopedVerifiableCredential`, by its `data:` URL id.
        case enveloped(String)
    }

    public let json: JSONObject

    /// Wraps a JSON object.
    public init(_ object: JSONObject) {
        json = object
    }

    /// An unsigned presentation by `holder` carrying `credentials`, ready to be signed with an
    /// `authentication` proof (`DataIntegrity.sign` with the verifier's challenge and domain).
    public static func unsecured(holder: String, credentials: [Credential], id: String? = nil) -> JSONObject {
        var presentation: JSONObject = ["@context": [.string(ContextTerms.credentialsV2)]]
        if let id { presentation["id"] = .string(id) }
        presentation["type"] = ["VerifiablePresentation"]
        presentation["holder"] = .string(holder)
        presentation["verifiableCredential"] = .array(credentials.map { .object($0.json) })
        return presentation
    }

    /// Wraps a JSON value; throws `malformed_presentation` unless it is an object.
    public init(_ value: JSONValue) throws(CredentialError) {
        guard let object = value.objectValue else {
            throw CredentialError("malformed_presentation", "a presentation must be a JSON object", path: "")
        }
        json = object
    }

    /// Parses UTF-8 JSON text as a presentation.
    public init(parsing bytes: some Collection<UInt8>) throws(CredentialError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw CredentialError("malformed_presentation", "the presentation is not valid JSON: \(error.message)")
        }
        try self.init(value)
    }

    public var id: String? { json["id"]?.stringValue }
    public var types: [String] { Credential.strings(json["type"]) }
    /// The holder's identifier: the `holder` string or the `id` of a holder object.
    public var holderID: String? { json["holder"]?.stringValue ?? json["holder"]?["id"]?.stringValue }
    public var proofs: [JSONObject] { DataIntegrity.proofObjects(json["proof"]) }

    /// The credentials carried in `verifiableCredential` that are objects: embedded credentials
    /// and enveloped ones. Other entries are reported by `DataModelValidator`.
    public var embeddedCredentials: [Entry] {
        let values = json["verifiableCredential"].map { $0.arrayValue ?? [$0] } ?? []
        return values.compactMap { value -> Entry? in
            guard let object = value.objectValue else { return nil }
            if Credential.strings(object["type"]).contains("EnvelopedVerifiableCredential") {
                return .enveloped(object["id"]?.stringValue ?? "")
            }
            return .credential(Credential(object))
        }
    }
}
