import Encoding
import Foundation
import Identity

/// How firmly a credential's issuer must be bound to the key of its proof.
public enum IssuerBinding: Sendable, Hashable {
    /// REQ-F03 of the supply-chain requirements, for Voltpass's own credentials and supply-chain
    /// events: the issuer is a DID (`issuer_not_did`) and one proof was made with a key its DID
    /// document authorizes (`issuer_key_mismatch`).
    case didRequired
    /// The W3C data model, for any issuer's credentials: an issuer that is a DID must have made one of
    /// the proofs (`issuer_key_mismatch`); an issuer that is another URL cannot be bound to a key,
    /// which is a warning (`issuer_not_did`), so the verdict covers the proofs' keys only.
    case whenDID
}

/// The VC 2.0 data model (`DataModelValidator`, secured mode) and an issuer that is a DID: a
/// failure under REQ-F03 (``IssuerBinding/didRequired``), a warning otherwise (`issuer_not_did`).
public struct DataModelPolicy: CredentialPolicy {
    public var name: String { "data_model" }
    public var issuerBinding: IssuerBinding

    public init(issuerBinding: IssuerBinding = .didRequired) {
        self.issuerBinding = issuerBinding
    }

    public func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        var outcome = PolicyOutcome(failures: DataModelValidator.validate(credential, mode: .secured).map(\.problem))
        if let issuer = credential.issuerID, URLSyntax.isURL(issuer), (try? DIDURL(issuer)) == nil {
            let path = credential.json["issuer"]?.stringValue == nil ? "/issuer/id" : "/issuer"
            switch issuerBinding {
            case .didRequired:
                outcome.merge(.failed("issuer_not_did", "the issuer '\(issuer)' is not a DID, so its key cannot be resolved", path: path))
            case .whenDID:
                outcome.merge(
                    .warning(
                        "issuer_not_did", "the issuer '\(issuer)' is not a DID: nothing binds it to the key of the proof", path: path))
            }
        }
        return outcome
    }
}

/// The credential's Data Integrity proofs (every proof of a set or chain), or the signature of the
/// envelope or SD-JWT it arrived in (VC-JOSE-COSE, by the key its `kid` names; an SD-JWT's
/// disclosures and time claims too), verify with keys the
/// DID documents authorize for `assertionMethod` at the proof's `created` time, and one of them
/// was made by the issuer (`issuer_key_mismatch` otherwise; with ``IssuerBinding/whenDID`` only when
/// the issuer is a DID). A credential without a proof inside
/// a presentation passes when its issuer is the holder and the presentation carries the holder's
/// valid `authentication` proof (a self-asserted credential).
public struct ProofPolicy: CredentialPolicy {
    public var name: String { "proof" }
    public let resolver: any DIDResolver
    public var issuerBinding: IssuerBinding

    public init(resolver: any DIDResolver, issuerBinding: IssuerBinding = .didRequired) {
        self.resolver = resolver
        self.issuerBinding = issuerBinding
    }

    public func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        if let envelope = context.envelope {
            return await enveloped(credential, in: envelope, at: context.now)
        }
        if let sdJWT = context.sdJWT {
            do {
                return boundToIssuer(credential, [try await sdJWT.verify(resolver: resolver, at: context.now)], path: "/issuer")
            } catch {
                return PolicyOutcome(failures: [error.problem])
            }
        }
        if credential.json["proof"] == nil, let presentation = context.presentation, let holder = presentation.holderID,
            holder == credential.issuerID
        {
            return await selfAsserted(by: holder, in: presentation, envelope: context.presentationEnvelope, at: context.now)
        }
        let proofs: [VerifiedProof]
        do {
            proofs = try await DataIntegrity.verify(
                credential.json, resolver: resolver, expectation: ProofExpectation(now: context.now))
        } catch {
            return PolicyOutcome(failures: [error.problem])
        }
        return boundToIssuer(credential, proofs, path: "/proof")
    }

    /// An enveloped credential's proof is the envelope's signature by the key its `kid` names, within
    /// the envelope's time claims.
    private func enveloped(_ credential: Credential, in envelope: Envelope, at now: Date) async -> PolicyOutcome {
        do {
            let proof = try await envelope.verify(resolver: resolver)
            try envelope.checkTimeClaims(at: now)
            return boundToIssuer(credential, [proof], path: "/issuer")
        } catch {
            return PolicyOutcome(failures: [error.problem])
        }
    }

    /// `issuer_key_mismatch` unless one of `proofs` was made by the issuer (when the binding asks for it).
    private func boundToIssuer(_ credential: Credential, _ proofs: [VerifiedProof], path: String) -> PolicyOutcome {
        if let issuer = credential.issuerID, issuerBinding == .didRequired || (try? DIDURL(issuer)) != nil,
            !proofs.contains(where: { $0.controller == issuer })
        {
            let signers = proofs.map(\.verificationMethod).joined(separator: ", ")
            return .failed("issuer_key_mismatch", "no proof was made with a key of the issuer \(issuer) (signed by \(signers))", path: path)
        }
        return .passed
    }

    /// A credential without proof whose issuer is the holder is covered by the presentation's
    /// `authentication` proof (or its envelope's signature), which must verify and be the holder's.
    private func selfAsserted(by holder: String, in presentation: Presentation, envelope: Envelope?, at now: Date) async -> PolicyOutcome {
        do {
            let proofs =
                if let envelope {
                    [try await envelope.verify(resolver: resolver, purpose: .authentication)]
                } else {
                    try await DataIntegrity.verify(
                        presentation.json, resolver: resolver, expectation: ProofExpectation(proofPurpose: .authentication, now: now))
                }
            if proofs.contains(where: { $0.controller == holder }) { return .passed }
        } catch {}
        return .failed(
            DataIntegrityErrorCode.proofVerificationError.rawValue,
            "the credential has no proof and the presentation has no valid proof by its issuer \(holder)", path: "/proof")
    }
}

/// The verification time lies within `validFrom`…`validUntil` (`not_yet_valid`, `expired`).
public struct ValidityPeriodPolicy: CredentialPolicy {
    public var name: String { "validity_period" }

    public init() {}

    public func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        var outcome = PolicyOutcome()
        if let from = credential.validFrom, context.now < from {
            outcome.merge(.failed("not_yet_valid", "the credential is valid from \(XSDDateTime.format(from))", path: "/validFrom"))
        }
        if let until = credential.validUntil, context.now > until {
            outcome.merge(.failed("expired", "the credential expired at \(XSDDateTime.format(until))", path: "/validUntil"))
        }
        return outcome
    }
}

/// The presentation's own VC 2.0 data model (its credentials are checked by `DataModelPolicy`).
public struct PresentationDataModelPolicy: PresentationPolicy {
    public var name: String { "presentation_data_model" }

    public init() {}

    public func evaluate(_ presentation: Presentation, in context: VerificationContext) async -> PolicyOutcome {
        PolicyOutcome(failures: DataModelValidator.validate(presentation, includingCredentials: false).map(\.problem))
    }
}

/// A holder-signed presentation: its proof for `authentication` with the expected
/// challenge and domain (or, for an enveloped presentation, the envelope's signature with the
/// challenge as `nonce` and the domain in `aud`; for an SD-JWT presented with key binding, its
/// KB-JWT, `sd_jwt_nonce_mismatch` and `sd_jwt_audience_mismatch` otherwise), made by the holder,
/// and the challenge used only once (when a
/// challenge store is given: a replayed or unknown challenge fails with INVALID_CHALLENGE_ERROR).
public struct PresentationProofPolicy: PresentationPolicy {
    public var name: String { "presentation_proof" }
    public let resolver: any DIDResolver
    public var challenge: String
    public var domain: String?
    public var challenges: (any SingleUseChallenges)?

    public init(resolver: any DIDResolver, challenge: String, domain: String?, challenges: (any SingleUseChallenges)? = nil) {
        self.resolver = resolver
        self.challenge = challenge
        self.domain = domain
        self.challenges = challenges
    }

    public func evaluate(_ presentation: Presentation, in context: VerificationContext) async -> PolicyOutcome {
        var outcome = PolicyOutcome()
        let proofs: [VerifiedProof]
        do {
            if let sdJWT = context.presentationSDJWT {
                proofs = [try sdJWT.verifyKeyBinding(challenge: challenge, domain: domain, at: context.now)]
            } else if let envelope = context.presentationEnvelope {
                proofs = [try await envelope.verify(resolver: resolver, purpose: .authentication)]
                try envelope.checkTimeClaims(at: context.now)
                try envelope.checkAudience(challenge: challenge, domain: domain)
            } else {
                proofs = try await DataIntegrity.verify(
                    presentation.json, resolver: resolver,
                    expectation: ProofExpectation(proofPurpose: .authentication, domain: domain, challenge: challenge, now: context.now))
            }
        } catch {
            outcome.merge(PolicyOutcome(failures: [error.problem]))
            return outcome
        }
        if let holder = presentation.holderID, !proofs.contains(where: { $0.controller == holder }) {
            outcome.merge(.failed("holder_key_mismatch", "no proof was made with a key of the holder \(holder)", path: "/proof"))
        }
        if let challenges, (try? await challenges.consume(challenge)) != true {
            outcome.merge(
                .failed(
                    DataIntegrityErrorCode.invalidChallengeError.rawValue,
                    "the challenge was already used, has expired, or was not issued here", path: "/proof"))
        }
        return outcome
    }
}
