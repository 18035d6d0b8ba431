import Encoding
import Foundation

/// A credential's reference to the trust framework it was issued under (REQ-F10): a `termsOfUse`
/// entry `{"type": "TrustFrameworkPolicy", "trustFramework": URI, "issuerRegistry": URL?}`.
public struct TrustFrameworkReference: Sendable, Equatable {
    public static let type = "TrustFrameworkPolicy"

    /// The trust framework's URI.
    public var trustFramework: String
    /// The registry that lists the framework's issuers, when the credential names it.
    public var issuerRegistry: String?

    public init(trustFramework: String, issuerRegistry: String? = nil) {
        self.trustFramework = trustFramework
        self.issuerRegistry = issuerRegistry
    }

    /// The `termsOfUse` entry.
    public var json: JSONObject {
        var object: JSONObject = ["type": .string(Self.type), "trustFramework": .string(trustFramework)]
        if let issuerRegistry { object["issuerRegistry"] = .string(issuerRegistry) }
        return object
    }

    /// The trust framework references in a credential's `termsOfUse` (an object or an array), with
    /// their JSON Pointers; other terms of use are skipped, a reference without a `trustFramework`
    /// string is reported in `malformed`.
    static func references(in credential: JSONObject) -> (references: [(TrustFrameworkReference, String)], malformed: [String]) {
        let values: [(JSONValue, String)]
        switch credential["termsOfUse"] {
        case nil: return ([], [])
        case .array(let elements)?: values = elements.enumerated().map { ($1, "/termsOfUse/\($0)") }
        case let value?: values = [(value, "/termsOfUse")]
        }
        var references: [(TrustFrameworkReference, String)] = []
        var malformed: [String] = []
        for (value, path) in values {
            let types = value["type"]?.stringValue.map { [$0] } ?? value["type"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard types.contains(Self.type) else { continue }
            guard let framework = value["trustFramework"]?.stringValue else {
                malformed.append(path)
                continue
            }
            references.append((TrustFrameworkReference(trustFramework: framework, issuerRegistry: value["issuerRegistry"]?.stringValue), path))
        }
        return (references, malformed)
    }
}

/// Checks that the credential's issuer is authorized for what it asserts (REQ-F07): by the registries
/// of the trust frameworks the verifier requires, and by the registry of any trust framework the
/// credential names in `termsOfUse` (REQ-F10). Registries come from those the verifier holds, then from
/// its `IssuerRegistryResolver` (which follows only frameworks it has a trust anchor for).
///
/// - A registry that does not list the issuer for the credential's types and business steps:
///   `issuer_not_authorized`, distinct from any proof failure.
/// - A required framework, or a referenced one the verifier trusts, whose registry cannot be obtained
///   or verified: `issuer_registry_unavailable` (fail closed).
/// - No registry consulted (none required, none referenced, or only frameworks the verifier has no
///   anchor for): passes with the warning `issuer_authority_unconfirmed`.
public struct IssuerAuthorityPolicy: CredentialPolicy {
    public var name: String { "issuer_authority" }
    /// The verified registries this verifier holds (see `IssuerRegistry.verified`).
    public var registries: [IssuerRegistry]
    /// Trust frameworks (URIs, or registry ids) whose registry must authorize every issuer.
    public var requiredTrustFrameworks: [String]
    /// Fetches registries the verifier does not hold, if set.
    public var resolver: IssuerRegistryResolver?

    public init(registries: [IssuerRegistry] = [], requiredTrustFrameworks: [String] = [], resolver: IssuerRegistryResolver? = nil) {
        self.registries = registries
        self.requiredTrustFrameworks = requiredTrustFrameworks
        self.resolver = resolver
    }

    public func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        var outcome = PolicyOutcome()
        guard let issuer = credential.issuerID else {
            return .failed("issuer_not_authorized", "the credential has no issuer to look up", path: "/issuer")
        }
        let (references, malformed) = TrustFrameworkReference.references(in: credential.json)
        for path in malformed {
            outcome.merge(.warning("terms_of_use_invalid", "a \(TrustFrameworkReference.type) without a trustFramework URI is ignored", path: path))
        }
        let bizSteps = Self.bizSteps(in: credential.json["credentialSubject"])
        var checked: Set<String> = []
        func check(_ registry: IssuerRegistry) -> PolicyOutcome {
            guard checked.insert(registry.id).inserted else { return .passed }
            switch registry.decision(issuer: issuer, types: credential.types, bizSteps: bizSteps, at: context.now) {
            case .authorized: return .passed
            case .notAuthorized(let reason): return .failed("issuer_not_authorized", reason, path: "/issuer")
            }
        }
        for framework in requiredTrustFrameworks {
            let reference = references.first { $0.0.trustFramework == framework }?.0 ?? TrustFrameworkReference(trustFramework: framework)
            switch await registry(for: reference) {
            case .found(let registry): outcome.merge(check(registry))
            case .failed(let error):
                outcome.merge(.failed("issuer_registry_unavailable", "the required registry of \(framework): \(error.message)"))
            case .notTrusted(let reason):
                outcome.merge(.failed("issuer_registry_unavailable", "the required registry of \(framework) is not available: \(reason)"))
            }
        }
        for (reference, path) in references where !requiredTrustFrameworks.contains(reference.trustFramework) {
            switch await registry(for: reference) {
            case .found(let registry): outcome.merge(check(registry))
            case .failed(let error):
                outcome.merge(
                    .failed(
                        "issuer_registry_unavailable", "the registry of \(reference.trustFramework) (\(error.code)): \(error.message)",
                        path: path))
            case .notTrusted(let reason):
                outcome.merge(
                    .warning(
                        "issuer_authority_unconfirmed", "the credential names the trust framework \(reference.trustFramework), but \(reason)",
                        path: path))
            }
        }
        if checked.isEmpty, outcome.failures.isEmpty, !outcome.warnings.contains(where: { $0.code == "issuer_authority_unconfirmed" }) {
            outcome.merge(
                .warning("issuer_authority_unconfirmed", "no issuer registry was consulted: the authority of \(issuer) is not confirmed", path: "/issuer"))
        }
        return outcome
    }

    private enum Lookup {
        case found(IssuerRegistry)
        /// A registry the verifier trusts could not be fetched or verified.
        case failed(IssuerRegistryError)
        /// The verifier has no way to trust a registry of this framework.
        case notTrusted(String)
    }

    private func registry(for reference: TrustFrameworkReference) async -> Lookup {
        if let held = registry(for: reference.trustFramework, registryURL: reference.issuerRegistry) { return .found(held) }
        guard let resolver, resolver.hasTrustAnchor(for: reference.trustFramework) else {
            return .notTrusted("this verifier neither holds its registry nor has a trust anchor for it")
        }
        do {
            return .found(try await resolver.registry(for: reference))
        } catch {
            return .failed(error)
        }
    }

    /// The held registry of a trust framework: one whose `trustFramework` or `id` matches, preferring the
    /// registry the credential names.
    private func registry(for framework: String, registryURL: String?) -> IssuerRegistry? {
        if let registryURL, let named = registries.first(where: { $0.id == registryURL && $0.trustFramework == framework }) {
            return named
        }
        return registries.first { $0.trustFramework == framework || $0.id == framework }
    }

    /// The EPCIS `bizStep` values the credential's subjects assert, searched up to three levels deep.
    static func bizSteps(in value: JSONValue?, depth: Int = 0) -> [String] {
        guard let value, depth <= 3 else { return [] }
        switch value {
        case .array(let elements): return elements.flatMap { bizSteps(in: $0, depth: depth + 1) }
        case .object(let object):
            var steps: [String] = []
            for (key, member) in object {
                if key == "bizStep", let step = member.stringValue { steps.append(step) } else { steps += bizSteps(in: member, depth: depth + 1) }
            }
            return steps
        default: return []
        }
    }
}
