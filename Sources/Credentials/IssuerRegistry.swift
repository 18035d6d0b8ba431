import Encoding
import Foundation
import Identity

/// A machine-readable list of the issuers a trust framework authorizes, and for what: a credential of
/// type `VoltpassIssuerRegistryCredential` signed by the framework's governance authority (REQ-F07,
/// REQ-F10).
///
/// ```json
/// "credentialSubject": {
///   "id": "https://registry.example/eu-battery",  "type": "IssuerRegistry",
///   "trustFramework": "https://trust.example/eu-battery-passport",
///   "issuers": [{ "id": "did:web:cells.example", "name": "Cells Inc",
///                 "credentialTypes": ["BatteryPassportCredential"], "bizSteps": ["commissioning"] }]
/// }
/// ```
/// An issuer entry without `credentialTypes` (or `bizSteps`) is authorized for every type (or step).
public struct IssuerRegistry: Sendable, Equatable {
    /// The credential type of a registry document.
    public static let credentialType = "VoltpassIssuerRegistryCredential"

    /// The inline `@context` entry that defines the registry's terms and the trust framework reference
    /// of `termsOfUse` (under `https://voltpass.dev/ns/registry#`), so the documents are valid without
    /// fetching a context. Credentials that carry a `TrustFrameworkPolicy` add it to their `@context`.
    public static let context: JSONObject = {
        var context = JSONObject()
        for term in [
            credentialType, "IssuerRegistry", "trustFramework", "issuers", "credentialTypes", "bizSteps",
            TrustFrameworkReference.type, "issuerRegistry",
        ] {
            context[term] = .string("https://voltpass.dev/ns/registry#" + term)
        }
        return context
    }()

    /// One authorized issuer and its scope.
    public struct Authorization: Sendable, Equatable {
        /// The issuer DID.
        public var issuer: String
        public var name: String?
        /// The credential types it may issue (besides `VerifiableCredential`); nil for any.
        public var credentialTypes: [String]?
        /// The EPCIS business steps it may assert, as CBV names (`shipping`); nil for any.
        public var bizSteps: [String]?
        /// When the authorization starts and ends, if limited.
        public var validFrom: Date?
        public var validUntil: Date?

        public init(
            issuer: String, name: String? = nil, credentialTypes: [String]? = nil, bizSteps: [String]? = nil,
            validFrom: Date? = nil, validUntil: Date? = nil
        ) {
            self.issuer = issuer
            self.name = name
            self.credentialTypes = credentialTypes
            self.bizSteps = bizSteps.map { $0.map(IssuerRegistry.bizStepName) }
            self.validFrom = validFrom
            self.validUntil = validUntil
        }
    }

    /// The registry's id: the credential id, a URL where it is published.
    public var id: String
    /// The trust framework the registry belongs to (a URI), as credentials name it in `termsOfUse`.
    public var trustFramework: String
    /// The DID of the governance authority that signs the registry.
    public var authority: String
    public var issuers: [Authorization]
    public var validFrom: Date?
    public var validUntil: Date?

    public init(
        id: String, trustFramework: String, authority: String, issuers: [Authorization], validFrom: Date? = nil,
        validUntil: Date? = nil
    ) {
        self.id = id
        self.trustFramework = trustFramework
        self.authority = authority
        self.issuers = issuers
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// Why an issuer is or is not authorized.
    public enum Decision: Sendable, Equatable {
        case authorized
        /// Not authorized; the reason says what is missing.
        case notAuthorized(String)
    }

    /// Whether `issuer` may issue a credential of `types` asserting `bizSteps` at `date`.
    public func decision(issuer: String, types: [String], bizSteps: [String], at date: Date) -> Decision {
        let entries = issuers.filter { $0.issuer == issuer }
        guard !entries.isEmpty else { return .notAuthorized("\(issuer) is not listed in the registry \(id)") }
        let current = entries.filter { entry in
            (entry.validFrom.map { $0 <= date } ?? true) && (entry.validUntil.map { date <= $0 } ?? true)
        }
        guard !current.isEmpty else { return .notAuthorized("the authorization of \(issuer) in \(id) is not valid at this time") }
        let specificTypes = types.filter { $0 != "VerifiableCredential" }
        let steps = bizSteps.map(Self.bizStepName)
        var reasons: [String] = []
        for entry in current {
            if let allowed = entry.credentialTypes, let type = specificTypes.first(where: { !allowed.contains($0) }) {
                reasons.append("\(issuer) is not authorized in \(id) to issue \(type)")
            } else if let allowed = entry.bizSteps, let step = steps.first(where: { !allowed.contains($0) }) {
                reasons.append("\(issuer) is not authorized in \(id) for the business step \(step)")
            } else {
                return .authorized
            }
        }
        return .notAuthorized(reasons.joined(separator: "; "))
    }

    /// A CBV business step as its bare name: `urn:epcglobal:cbv:bizstep:shipping`,
    /// `https://ref.gs1.org/cbv/BizStep-shipping` and `shipping` are all `shipping`.
    static func bizStepName(_ value: String) -> String {
        for prefix in ["urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-", "cbv:BizStep-"] where value.hasPrefix(prefix) {
            return String(value.dropFirst(prefix.count))
        }
        return value
    }

    // MARK: Document

    /// The unsigned registry credential, to be signed by the authority.
    public var document: JSONObject {
        let entries: [JSONValue] = issuers.map { entry in
            var object: JSONObject = ["id": .string(entry.issuer)]
            if let name = entry.name { object["name"] = .string(name) }
            if let types = entry.credentialTypes { object["credentialTypes"] = .array(types.map { .string($0) }) }
            if let steps = entry.bizSteps { object["bizSteps"] = .array(steps.map { .string($0) }) }
            if let from = entry.validFrom { object["validFrom"] = .string(XSDDateTime.format(from)) }
            if let until = entry.validUntil { object["validUntil"] = .string(XSDDateTime.format(until)) }
            return .object(object)
        }
        var document: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2", .object(Self.context)],
            "id": .string(id),
            "type": ["VerifiableCredential", .string(Self.credentialType)],
            "issuer": .string(authority),
        ]
        if let validFrom { document["validFrom"] = .string(XSDDateTime.format(validFrom)) }
        if let validUntil { document["validUntil"] = .string(XSDDateTime.format(validUntil)) }
        document["credentialSubject"] = [
            "id": .string(id), "type": "IssuerRegistry", "trustFramework": .string(trustFramework), "issuers": .array(entries),
        ]
        return document
    }

    /// Reads a registry credential's content (its proof is checked by `verified(_:authority:resolver:now:)`).
    public init(document: JSONObject) throws(IssuerRegistryError) {
        let types = document["type"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard types.contains(Self.credentialType) else { throw .invalid("the registry's type does not include \(Self.credentialType)") }
        guard let id = document["id"]?.stringValue else { throw .invalid("the registry has no id") }
        guard let authority = document["issuer"]?.stringValue ?? document["issuer"]?["id"]?.stringValue else {
            throw .invalid("the registry has no issuer")
        }
        guard let subject = document["credentialSubject"]?.objectValue else { throw .invalid("credentialSubject is not one object") }
        guard let trustFramework = subject["trustFramework"]?.stringValue else { throw .invalid("credentialSubject has no trustFramework") }
        guard let list = subject["issuers"]?.arrayValue else { throw .invalid("credentialSubject has no issuers array") }
        func date(_ value: JSONValue?, _ path: String) throws(IssuerRegistryError) -> Date? {
            guard let value else { return nil }
            guard let text = value.stringValue, let date = XSDDateTime.parse(text) else { throw .invalid("\(path) is not a dateTimeStamp") }
            return date
        }
        func strings(_ value: JSONValue?, _ path: String) throws(IssuerRegistryError) -> [String]? {
            guard let value else { return nil }
            guard let array = value.arrayValue, array.allSatisfy({ $0.stringValue != nil }) else {
                throw .invalid("\(path) is not an array of strings")
            }
            return array.compactMap(\.stringValue)
        }
        var issuers: [Authorization] = []
        for (index, value) in list.enumerated() {
            let path = "/credentialSubject/issuers/\(index)"
            guard let issuer = value["id"]?.stringValue, issuer.hasPrefix("did:") else { throw .invalid("\(path)/id is not a DID") }
            issuers.append(
                Authorization(
                    issuer: issuer, name: value["name"]?.stringValue,
                    credentialTypes: try strings(value["credentialTypes"], "\(path)/credentialTypes"),
                    bizSteps: try strings(value["bizSteps"], "\(path)/bizSteps"),
                    validFrom: try date(value["validFrom"], "\(path)/validFrom"),
                    validUntil: try date(value["validUntil"], "\(path)/validUntil")))
        }
        self.init(
            id: id, trustFramework: trustFramework, authority: authority, issuers: issuers,
            validFrom: try date(document["validFrom"], "/validFrom"), validUntil: try date(document["validUntil"], "/validUntil"))
    }

    /// The signed registry credential.
    public func signed(signer: some Signer, verificationMethod: String, now: Date) async throws(CredentialError) -> JSONObject {
        let cryptosuite = Cryptosuite.jcs(for: signer.algorithm)
        return try await DataIntegrity.sign(
            document, options: ProofOptions(cryptosuite: cryptosuite, verificationMethod: verificationMethod, created: now),
            signer: signer)
    }

    /// Reads a signed registry credential after checking that it verifies (data model, proof, validity
    /// period: `registry_invalid`) and was issued by `authority` (`registry_untrusted`), the governance
    /// authority the verifier trusts for this registry.
    public static func verified(
        _ document: JSONObject, authority: String, resolver: any DIDResolver, now: @escaping @Sendable () -> Date = Date.init
    ) async throws(IssuerRegistryError) -> IssuerRegistry {
        let registry = try IssuerRegistry(document: document)
        guard registry.authority == authority else {
            throw .untrusted("the registry \(registry.id) is issued by \(registry.authority), not by the trusted authority \(authority)")
        }
        let verifier = Verifier(
            credentialPolicies: [DataModelPolicy(), ProofPolicy(resolver: resolver), ValidityPeriodPolicy()], now: now)
        let result = await verifier.verify(Credential(document))
        guard result.verified else {
            throw .invalid(
                "the registry \(registry.id) does not verify: " + result.failures.map { "\($0.code): \($0.message)" }.joined(separator: "; "))
        }
        return registry
    }
}
