import Credentials
import Encoding
import Foundation

/// Which access groups a requester opens by presenting a role credential: a
/// `PassportRoleCredential` (`credentialSubject: {id: <holder>, role: "repairer" | …}`) issued to
/// the presentation's holder by an issuer the access registry lists for that type, in a presentation
/// bound to the verifier's challenge and domain. Anything less gives the public view and a code
/// saying why: the presentation's own failure (INVALID_CHALLENGE_ERROR, …), the role credential's
/// (`expired`, `revoked`, `issuer_not_authorized`, …), `access_role_missing` or `access_role_unknown`.
public struct PassportAccess: Sendable {
    /// The type of a role credential.
    public static let roleCredentialType = "PassportRoleCredential"

    /// What a presentation opened.
    public struct Decision: Sendable {
        public var groups: Set<AccessGroup>
        /// The roles proven, when any.
        public var roles: [PassportRole]
        /// Why no role was accepted, when none was.
        public var refused: VerificationProblem?

        public init(groups: Set<AccessGroup>, roles: [PassportRole], refused: VerificationProblem?) {
            self.groups = groups
            self.roles = roles
            self.refused = refused
        }

        /// The public view, with the reason.
        static func publicView(_ problem: VerificationProblem) -> Decision {
            Decision(groups: [.public], roles: [], refused: problem)
        }
    }

    /// The registry of authorities that issue role credentials.
    public let registry: IssuerRegistry

    public init(registry: IssuerRegistry) {
        self.registry = registry
    }

    /// The policy that holds every role credential to the registry: its issuer must be listed for
    /// `PassportRoleCredential` under the registry's trust framework.
    public var authorityPolicy: IssuerAuthorityPolicy {
        IssuerAuthorityPolicy(registries: [registry], requiredTrustFrameworks: [registry.trustFramework])
    }

    /// Decides what `presentation` opens, verified by `verifier` (a presentation verifier for the
    /// request's challenge and domain whose credential policies include ``authorityPolicy``).
    public func decide(_ presentation: Presentation, envelope: Envelope? = nil, verifier: Verifier) async -> Decision {
        let verified = await verifier.verifyInParts(presentation, envelope: envelope)
        if let problem = verified.presentation.failures.first { return .publicView(problem) }
        var roles: [PassportRole] = []
        var refusal: VerificationProblem?
        for (credential, result) in zip(presentation.embeddedDocuments, verified.credentials) {
            guard Credential(credential).types.contains(Self.roleCredentialType) else { continue }
            let subject = credential["credentialSubject"]
            guard subject?["id"]?.stringValue == presentation.holderID else {
                refusal = refusal ?? VerificationProblem(code: "access_role_missing", message: "the role credential is about someone other than the holder")
                continue
            }
            if let problem = result.failures.first {
                refusal = refusal ?? problem
                continue
            }
            guard let name = subject?["role"]?.stringValue, let role = PassportRole(rawValue: name) else {
                refusal = refusal ?? VerificationProblem(
                    code: "access_role_unknown",
                    message: "the role is not one of \(PassportRole.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            roles.append(role)
        }
        guard !roles.isEmpty else {
            return .publicView(
                refusal ?? VerificationProblem(code: "access_role_missing", message: "the presentation holds no \(Self.roleCredentialType) of its holder"))
        }
        return Decision(groups: roles.reduce(into: Set<AccessGroup>()) { $0.formUnion($1.groups) }, roles: roles, refused: nil)
    }
}

extension Presentation {
    /// The credentials the presentation carries, in order, as JSON objects: an enveloped credential
    /// as its payload (an unreadable one as an empty object, so positions match the verification's).
    var embeddedDocuments: [JSONObject] {
        embeddedCredentials.map { entry in
            switch entry {
            case .credential(let credential): credential.json
            case .enveloped(let id): (try? Envelope(dataURL: id))?.document ?? [:]
            }
        }
    }
}
