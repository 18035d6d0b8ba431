import Encoding
import Foundation

/// The public keys a verifier trusts for some DIDs without resolving them: the trust file of
/// offline verification (`voltpass passport verify --trust FILE`), or an operator's key history as
/// the service keeps it. A DID with at least one key here is *pinned*; a signature of a pinned DID
/// counts only when it verifies with one of its pinned keys, valid at the time it was made.
///
/// The trust file is JSON, each key a Multikey verification method with its validity:
/// ```json
/// { "type": "VoltpassTrustFile",
///   "keys": [{ "id": "did:web:example.com:operators:acme#key-1", "controller": "did:web:example.com:operators:acme",
///              "type": "Multikey", "publicKeyMultibase": "z6Mk…",
///              "validFrom": "2025-01-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z" }] }
/// ```
/// `validFrom` and `validUntil` are optional (unbounded).
public struct PinnedKeys: Sendable, Hashable {
    /// One pinned key: a verification method of a DID and when it may be used.
    public struct Key: Sendable, Hashable {
        /// The verification method id, `<controller>#<fragment>`.
        public var id: String
        /// The DID the key belongs to.
        public var controller: String
        public var publicKey: PublicKey
        public var validFrom: Date?
        /// When the key stopped being valid (a rotation retired it), if it has.
        public var validUntil: Date?

        /// A key of `controller`; `id` must be a DID URL of `controller` with a fragment
        /// (`invalidTrustFile` otherwise, as must be `validUntil` after `validFrom`).
        public init(id: String, controller: String, publicKey: PublicKey, validFrom: Date? = nil, validUntil: Date? = nil)
            throws(IdentityError)
        {
            guard id.hasPrefix(controller + "#"), id.count > controller.count + 1, (try? DIDURL.parseDID(controller)) != nil else {
                throw IdentityError(.invalidTrustFile, "the key id '\(id)' is not a fragment of the DID '\(controller)'")
            }
            if let validFrom, let validUntil, validUntil <= validFrom {
                throw IdentityError(.invalidTrustFile, "the key \(id) is valid until before it is valid from")
            }
            self.id = id
            self.controller = controller
            self.publicKey = publicKey
            self.validFrom = validFrom
            self.validUntil = validUntil
        }

        /// Whether a signature made at `date` may count: not before `validFrom`, before `validUntil`.
        public func isValid(at date: Date) -> Bool {
            if let validFrom, date < validFrom { return false }
            if let validUntil, date >= validUntil { return false }
            return true
        }
    }

    /// The `type` of a trust file.
    public static let type = "VoltpassTrustFile"

    /// Every pinned key, in the order given.
    public private(set) var keys: [Key]

    /// The keys; two keys with one id are `invalidTrustFile`.
    public init(_ keys: [Key] = []) throws(IdentityError) {
        var seen: Set<String> = []
        for key in keys where !seen.insert(key.id).inserted {
            throw IdentityError(.invalidTrustFile, "the key \(key.id) is pinned twice")
        }
        self.keys = keys
    }

    /// Whether any key of `did` is pinned.
    public func pins(_ did: String) -> Bool { keys.contains { $0.controller == did } }

    /// The pinned keys of `did`.
    public func keys(of did: String) -> [Key] { keys.filter { $0.controller == did } }

    /// The pinned key with this verification method id.
    public func key(id: String) -> Key? { keys.first { $0.id == id } }

    /// These keys and those of `other`; a key id in both is `invalidTrustFile` unless they are equal.
    public func merging(_ other: PinnedKeys) throws(IdentityError) -> PinnedKeys {
        try PinnedKeys(keys + other.keys.filter { !keys.contains($0) })
    }

    /// A DID document for `did` made of its pinned keys only, each a Multikey method listed under
    /// `assertionMethod` with its validity (`validFrom`, `expires`); nil when `did` is not pinned.
    /// A verifier resolves a pinned DID to this document instead of any document it was handed.
    public func document(for did: String) -> DIDDocument? {
        let pinned = keys(of: did)
        guard !pinned.isEmpty else { return nil }
        let methods: [JSONValue] = pinned.map { key in
            var method: JSONObject = [
                "id": .string(key.id), "type": "Multikey", "controller": .string(did), "publicKeyMultibase": .string(key.publicKey.multikey),
            ]
            if let validFrom = key.validFrom { method["validFrom"] = .string(DateTimeStamp.format(validFrom)) }
            if let validUntil = key.validUntil { method["expires"] = .string(DateTimeStamp.format(validUntil)) }
            return .object(method)
        }
        let document: JSONObject = [
            "@context": DIDWeb.documentContext, "id": .string(did), "verificationMethod": .array(methods),
            "assertionMethod": .array(pinned.map { .string($0.id) }),
        ]
        return try? DIDDocument(.object(document))
    }

    // MARK: Sources

    /// The keys of a key history (``KeyRecord``s, as the service stores them): each valid from its
    /// `validFrom` until a rotation retired it.
    public init(history: [KeyRecord]) throws(IdentityError) {
        var keys: [Key] = []
        for record in history {
            keys.append(try Key(
                id: record.id, controller: record.controller, publicKey: try Multikey.decodePublicKey(record.publicKeyMultibase),
                validFrom: record.validFrom, validUntil: record.validUntil))
        }
        try self.init(keys)
    }

    /// The keys a DID document authorizes for `assertionMethod` (the relationship credentials and
    /// anchor checkpoints are signed under), with their validity: `validFrom`, and the earlier of
    /// `revoked` and `expires`. A method whose key cannot be read is `invalidTrustFile`.
    public init(document: DIDDocument) throws(IdentityError) {
        var keys: [Key] = []
        for method in document.verificationMethods where document.relationships(of: method.id).contains(.assertionMethod) {
            let publicKey: PublicKey
            do {
                publicKey = try method.publicKey()
            } catch {
                throw IdentityError(.invalidTrustFile, "the verification method \(method.id) has no usable key: \(error.message)")
            }
            let times = [("validFrom", method.validFrom), ("revoked", method.revoked), ("expires", method.expires)]
            if let unreadable = times.first(where: { method.json[$0.0] != nil && $0.1 == nil }) {
                throw IdentityError(
                    .invalidTrustFile, "the verification method \(method.id) has a '\(unreadable.0)' that is not a dateTimeStamp")
            }
            let ends = [method.revoked, method.expires].compactMap { $0 }
            keys.append(try Key(
                id: method.id, controller: document.id, publicKey: publicKey, validFrom: method.validFrom, validUntil: ends.min()))
        }
        guard !keys.isEmpty else {
            throw IdentityError(.invalidTrustFile, "the DID document of \(document.id) authorizes no key for assertionMethod")
        }
        try self.init(keys)
    }

    // MARK: Trust file

    /// The trust file.
    public var json: JSONObject {
        [
            "type": .string(Self.type),
            "keys": .array(keys.map { key in
                var object: JSONObject = [
                    "id": .string(key.id), "controller": .string(key.controller), "type": "Multikey",
                    "publicKeyMultibase": .string(key.publicKey.multikey),
                ]
                if let validFrom = key.validFrom { object["validFrom"] = .string(DateTimeStamp.format(validFrom)) }
                if let validUntil = key.validUntil { object["validUntil"] = .string(DateTimeStamp.format(validUntil)) }
                return .object(object)
            }),
        ]
    }

    /// Reads a trust file; anything malformed is `invalidTrustFile` naming the member (a JSON Pointer).
    public init(json value: JSONValue) throws(IdentityError) {
        func invalid(_ pointer: String, _ message: String) -> IdentityError {
            IdentityError(.invalidTrustFile, "\(pointer) \(message)")
        }
        guard let object = value.objectValue else { throw invalid("/", "a trust file is a JSON object") }
        guard object["type"]?.stringValue == Self.type else { throw invalid("/type", "must be \(Self.type)") }
        guard let entries = object["keys"]?.arrayValue else { throw invalid("/keys", "must be an array") }
        var keys: [Key] = []
        for (index, entry) in entries.enumerated() {
            let pointer = "/keys/\(index)"
            guard let entry = entry.objectValue else { throw invalid(pointer, "must be an object") }
            func string(_ member: String) throws(IdentityError) -> String {
                guard let text = entry[member]?.stringValue else { throw invalid("\(pointer)/\(member)", "must be a string") }
                return text
            }
            func date(_ member: String) throws(IdentityError) -> Date? {
                guard let value = entry[member] else { return nil }
                guard let text = value.stringValue, let date = DateTimeStamp.parse(text) else {
                    throw invalid("\(pointer)/\(member)", "must be a dateTimeStamp")
                }
                return date
            }
            guard try string("type") == "Multikey" else { throw invalid("\(pointer)/type", "must be Multikey") }
            let multibase = try string("publicKeyMultibase")
            let publicKey: PublicKey
            do {
                publicKey = try Multikey.decodePublicKey(multibase)
            } catch {
                throw invalid("\(pointer)/publicKeyMultibase", "is not an Ed25519 or P-256 Multikey: \(error.message)")
            }
            let (id, controller) = (try string("id"), try string("controller"))
            let (validFrom, validUntil) = (try date("validFrom"), try date("validUntil"))
            do {
                keys.append(try Key(id: id, controller: controller, publicKey: publicKey, validFrom: validFrom, validUntil: validUntil))
            } catch {
                throw invalid(pointer, error.message)
            }
        }
        try self.init(keys)
    }
}
