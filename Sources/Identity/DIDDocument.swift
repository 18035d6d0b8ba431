import Encoding
import Foundation

/// The verification relationships of DID Core §5.3 (and Controlled Identifiers §2.3).
public enum VerificationRelationship: String, Sendable, CaseIterable {
    case authentication
    case assertionMethod
    case keyAgreement
    case capabilityInvocation
    case capabilityDelegation
}

/// A DID document held as JSON, so properties we do not model survive a round trip, with the
/// lookups a verifier needs: verification methods by id, authorization by relationship and time,
/// and key material.
public struct DIDDocument: Sendable, Hashable {
    /// The document as it was given.
    public let json: JSONObject
    /// The DID the document describes.
    public let id: String

    /// Wraps a JSON value; throws `invalidDidDocument` unless it is an object whose `id` is a DID.
    public init(_ json: JSONValue) throws(IdentityError) {
        guard let object = json.objectValue else {
            throw IdentityError(.invalidDidDocument, "a DID document must be a JSON object")
        }
        guard let id = object["id"]?.stringValue else {
            throw IdentityError(.invalidDidDocument, "the DID document has no string 'id'")
        }
        do {
            _ = try DIDURL.parseDID(id)
        } catch {
            throw IdentityError(.invalidDidDocument, "the DID document's id '\(id)' is not a DID: \(error.message)")
        }
        self.json = object
        self.id = id
    }

    /// Parses UTF-8 JSON text; throws `invalidDidDocument` when it is not JSON or not a DID document.
    public init(parsing bytes: [UInt8]) throws(IdentityError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw IdentityError(.invalidDidDocument, "the DID document is not valid JSON: \(error.message)")
        }
        try self.init(value)
    }

    /// Every verification method the document defines: the `verificationMethod` entries, then
    /// the ones embedded in verification relationships. Entries without a string `id` are skipped.
    public var verificationMethods: [VerificationMethod] {
        var candidates = json["verificationMethod"]?.arrayValue ?? []
        for relationship in VerificationRelationship.allCases {
            candidates += json[relationship.rawValue]?.arrayValue ?? []
        }
        return candidates.compactMap { $0.objectValue.flatMap { VerificationMethod($0, in: id) } }
    }

    /// The verification method with this id, absolute (`did:…#key-1`) or relative to the document (`#key-1`).
    public func verificationMethod(id methodID: String) -> VerificationMethod? {
        let absolute = absoluteID(methodID)
        return verificationMethods.first { $0.id == absolute }
    }

    /// Whether the method `methodID` may be used for `relationship` at `date`: the relationship lists it
    /// (by reference or embedded), the method exists, and at `date` it is neither revoked nor expired
    /// and not before its `validFrom`. With no date, a method that has `revoked` or `expires` is not
    /// authorized, since nothing shows the use came before that time.
    public func isAuthorized(methodID: String, for relationship: VerificationRelationship, at date: Date?) -> Bool {
        guard lists(methodID, in: relationship), let method = verificationMethod(id: methodID) else { return false }
        return method.isValid(at: date)
    }

    /// The relationships that list the method `methodID` (by reference or embedded), whatever its validity.
    public func relationships(of methodID: String) -> [VerificationRelationship] {
        VerificationRelationship.allCases.filter { lists(methodID, in: $0) }
    }

    private func lists(_ methodID: String, in relationship: VerificationRelationship) -> Bool {
        let absolute = absoluteID(methodID)
        return (json[relationship.rawValue]?.arrayValue ?? []).contains { entry in
            if let reference = entry.stringValue { return absoluteID(reference) == absolute }
            if let object = entry.objectValue, let embeddedID = object["id"]?.stringValue {
                return absoluteID(embeddedID) == absolute
            }
            return false
        }
    }

    /// The compact JSON text of the document.
    public var serialized: [UInt8] { JSONValue.object(json).serialized() }

    private func absoluteID(_ reference: String) -> String {
        reference.hasPrefix("#") ? id + reference : reference
    }
}

/// One verification method of a DID document.
public struct VerificationMethod: Sendable, Hashable {
    /// The method's JSON object as found in the document.
    public let json: JSONObject
    /// The absolute id, e.g. `did:web:example.com#key-1`.
    public let id: String

    /// Reads a method; relative ids are resolved against `documentID`.
    init?(_ json: JSONObject, in documentID: String) {
        guard let id = json["id"]?.stringValue else { return nil }
        self.json = json
        self.id = id.hasPrefix("#") ? documentID + id : id
    }

    /// The `type`, e.g. `Multikey` or `JsonWebKey`.
    public var type: String? { json["type"]?.stringValue }
    /// The `controller` DID.
    public var controller: String? { json["controller"]?.stringValue }

    /// The key material, from `publicKeyMultibase` (Multikey, Ed25519VerificationKey2020), `publicKeyJwk`
    /// (JsonWebKey, JsonWebKey2020: OKP Ed25519, EC P-256 or P-384) or, for the legacy
    /// `Ed25519VerificationKey2018` only, `publicKeyBase58` (the raw 32-byte key).
    public func publicKey() throws(IdentityError) -> PublicKey {
        if let multibase = json["publicKeyMultibase"]?.stringValue {
            return try Multikey.decodePublicKey(multibase)
        }
        if let jwk = json["publicKeyJwk"]?.objectValue {
            return try PublicKey(jwk: jwk)
        }
        if let base58 = json["publicKeyBase58"]?.stringValue {
            guard type == "Ed25519VerificationKey2018" else {
                throw IdentityError(
                    .unsupportedPublicKeyType,
                    "verification method \(id): publicKeyBase58 is read for Ed25519VerificationKey2018 only, not \(type ?? "an untyped method")")
            }
            let bytes: [UInt8]
            do {
                bytes = try Base58BTC.decode(base58)
            } catch {
                throw IdentityError(.invalidPublicKey, "verification method \(id): publicKeyBase58 is not base58: \(error)")
            }
            return try PublicKey(algorithm: .ed25519, rawRepresentation: bytes)
        }
        throw IdentityError(
            .unsupportedPublicKeyType, "verification method \(id) has none of publicKeyMultibase, publicKeyJwk, publicKeyBase58")
    }

    /// When the method stopped being valid (`revoked`, Controlled Identifiers §2.2.1).
    public var revoked: Date? { date("revoked") }
    /// When the method expires (`expires`).
    public var expires: Date? { date("expires") }
    /// When the method became valid: Voltpass's `validFrom` extension (see `DIDWeb.document(did:keys:)`).
    public var validFrom: Date? { date("validFrom") }

    /// Whether the method may be used at `date` (see `DIDDocument.isAuthorized`). A time property
    /// that is present but not a dateTimeStamp makes the method invalid.
    public func isValid(at date: Date?) -> Bool {
        for name in ["revoked", "expires", "validFrom"] where json[name] != nil && self.date(name) == nil {
            return false
        }
        guard let date else { return revoked == nil && expires == nil }
        if let revoked, date >= revoked { return false }
        if let expires, date >= expires { return false }
        if let validFrom, date < validFrom { return false }
        return true
    }

    private func date(_ name: String) -> Date? {
        json[name]?.stringValue.flatMap(DateTimeStamp.parse)
    }
}
