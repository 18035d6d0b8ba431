import Encoding
import Identity
import Foundation

/// One check a credential must pass. Policies are composed into a `Verifier` per use, in the manner
/// of swift-certificates' `VerifierPolicy`: a policy carries its own configuration (a resolver, a
/// registry, a status fetcher), looks at one credential, and names every problem it finds with a
/// stable code instead of throwing.
public protocol CredentialPolicy: Sendable {
    /// Stable name listed in `VerificationResult.checks`, e.g. `proof` or `status`.
    var name: String { get }
    /// Examines one credential. `credentialId` of the returned problems may be left nil: the
    /// verifier fills it in.
    func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome
}

/// One check a presentation must pass (its own proof, challenge and domain); the embedded
/// credentials then go through the verifier's `CredentialPolicy`s.
public protocol PresentationPolicy: Sendable {
    var name: String { get }
    func evaluate(_ presentation: Presentation, in context: VerificationContext) async -> PolicyOutcome
}

/// What a policy may know besides the credential itself.
public struct VerificationContext: Sendable {
    /// The time the verification is made at, from the verifier's clock.
    public var now: Date
    /// The presentation that carried the credential, when verifying one.
    public var presentation: Presentation?
    /// The envelope (JWS or COSE_Sign1) the credential arrived in, when it was enveloped: its
    /// signature is then the credential's proof.
    public var envelope: Envelope?
    /// The envelope the presentation arrived in, when it was enveloped: its signature is then the
    /// presentation's proof.
    public var presentationEnvelope: Envelope?
    /// The SD-JWT (`vc+sd-jwt`) the credential arrived in, when it was secured so: its issuer-signed
    /// JWT, with the disclosures it came with, is then the credential's proof.
    public var sdJWT: SDJWTCredential?
    /// The SD-JWT the presentation arrived in, when a holder presented one with key binding: its
    /// KB-JWT is then the presentation's proof.
    public var presentationSDJWT: SDJWTCredential?

    public init(
        now: Date, presentation: Presentation? = nil, envelope: Envelope? = nil, presentationEnvelope: Envelope? = nil,
        sdJWT: SDJWTCredential? = nil, presentationSDJWT: SDJWTCredential? = nil
    ) {
        self.now = now
        self.presentation = presentation
        self.envelope = envelope
        self.presentationEnvelope = presentationEnvelope
        self.sdJWT = sdJWT
        self.presentationSDJWT = presentationSDJWT
    }
}

/// Runs a chosen set of policies over a credential, a set of credentials or a presentation and
/// returns one `VerificationResult`. Every policy runs, so the result lists every failure.
public struct Verifier: Sendable {
    public var credentialPolicies: [any CredentialPolicy]
    public var presentationPolicies: [any PresentationPolicy]
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - credentialPolicies: applied to each credential, in order.
    ///   - presentationPolicies: applied to a presentation before its credentials.
    ///   - now: the clock, injected so tests can fix the time.
    public init(
        credentialPolicies: [any CredentialPolicy], presentationPolicies: [any PresentationPolicy] = [],
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.credentialPolicies = credentialPolicies
        self.presentationPolicies = presentationPolicies
        self.now = now
    }

    /// The usual policies for a credential: data model, Data Integrity proof by the issuer (bound as
    /// `issuerBinding` says), validity period. Add status and issuer-authority policies as the use needs.
    public static func standard(
        resolver: any DIDResolver, issuerBinding: IssuerBinding = .didRequired, now: @escaping @Sendable () -> Date = Date.init
    ) -> Verifier {
        Verifier(
            credentialPolicies: [
                DataModelPolicy(issuerBinding: issuerBinding), ProofPolicy(resolver: resolver, issuerBinding: issuerBinding),
                ValidityPeriodPolicy(),
            ], now: now)
    }

    /// The policies for a holder's presentation answering `challenge` (and `domain`): the
    /// presentation's data model and proof, then the standard policies for each credential. With
    /// a challenge store, the challenge must have been issued there and is used up.
    public static func presentation(
        resolver: any DIDResolver, challenge: String, domain: String?, challenges: (any SingleUseChallenges)? = nil,
        issuerBinding: IssuerBinding = .didRequired, now: @escaping @Sendable () -> Date = Date.init
    ) -> Verifier {
        var verifier = standard(resolver: resolver, issuerBinding: issuerBinding, now: now)
        verifier.presentationPolicies = [
            PresentationDataModelPolicy(),
            PresentationProofPolicy(resolver: resolver, challenge: challenge, domain: domain, challenges: challenges),
        ]
        return verifier
    }

    /// Verifies one credential.
    public func verify(_ credential: Credential) async -> VerificationResult {
        let context = VerificationContext(now: now())
        let outcome = await evaluate(credential, in: context)
        return result(outcome, ids: [credential.id].compactMap { $0 }, at: context.now)
    }

    /// Verifies a JSON document as a credential, or as the enveloped credential it carries when it
    /// is an `EnvelopedVerifiableCredential` (`vc+jwt`, `vc+cose`, `vc+sd-jwt`); a document that is
    /// not a JSON object fails with `malformed_credential`, an envelope that cannot be read with its
    /// `envelope_*`, `jose_*`, `cose_*` or `sd_jwt_*` code.
    public func verify(document: JSONValue) async -> VerificationResult {
        do {
            if let object = document.objectValue, Credential.strings(object["type"]).contains("EnvelopedVerifiableCredential") {
                if SDJWTCredential.isDataURL(object["id"]?.stringValue) {
                    return await verify(try SDJWTCredential(enveloped: object))
                }
                return await verify(try Envelope(enveloped: object))
            }
            return await verify(try Credential(document))
        } catch {
            return result(PolicyOutcome(failures: [error.problem]), ids: [], at: now())
        }
    }

    /// Verifies an enveloped credential: its signature by the key its `kid` names and its time
    /// claims (the proof policy), then the same policies as any credential over the payload. An
    /// enveloped presentation is verified as `verifyInParts(_:envelope:)` does.
    public func verify(_ envelope: Envelope) async -> VerificationResult {
        guard !envelope.mediaType.isPresentation else {
            return await verifyInParts(Presentation(envelope.document), envelope: envelope).combined
        }
        let context = VerificationContext(now: now(), envelope: envelope)
        let credential = Credential(envelope.document)
        return result(await evaluate(credential, in: context), ids: [credential.id].compactMap { $0 }, at: context.now)
    }

    /// Verifies a SD-JWT secured credential (`vc+sd-jwt`): its issuer's signature by the key its
    /// `kid` names, its disclosures and time claims (the proof policy), then the same policies as
    /// any credential over the credential as disclosed. A KB-JWT that comes along is not checked
    /// (`verifyInParts(_:)` checks a presentation's).
    public func verify(_ credential: SDJWTCredential) async -> VerificationResult {
        let context = VerificationContext(now: now(), sdJWT: credential)
        let disclosed = Credential(credential.document)
        return result(await evaluate(disclosed, in: context), ids: [disclosed.id].compactMap { $0 }, at: context.now)
    }

    /// Verifies a JSON document as a presentation, or as the enveloped presentation it carries when
    /// it is an `EnvelopedVerifiablePresentation` (`vp+jwt`, `vp+cose`, or a `vc+sd-jwt` with key
    /// binding); a document that is not a JSON object fails with `malformed_presentation`, an
    /// envelope that cannot be read with its code.
    public func verify(presentationDocument document: JSONValue) async -> VerificationResult {
        do {
            if let object = document.objectValue, Credential.strings(object["type"]).contains("EnvelopedVerifiablePresentation") {
                if SDJWTCredential.isDataURL(object["id"]?.stringValue) {
                    return await verifyInParts(try SDJWTCredential(enveloped: object)).combined
                }
                return await verify(try Envelope(enveloped: object))
            }
            return await verify(try Presentation(document))
        } catch {
            return result(
                PolicyOutcome(failures: [VerificationProblem(code: error.code, message: error.message, path: error.path)]),
                ids: [], at: now())
        }
    }

    /// Verifies a set of credentials (e.g. an event chain or a batch) concurrently; the set
    /// verifies when every credential does.
    public func verify(_ credentials: [Credential]) async -> VerificationResult {
        let context = VerificationContext(now: now())
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, credentials.count))
        let chunk = (credentials.count + workers - 1) / max(workers, 1)
        let outcomes = await withTaskGroup(of: (Int, [PolicyOutcome]).self) { group in
            for start in stride(from: 0, to: credentials.count, by: max(chunk, 1)) {
                let slice = credentials[start..<min(start + chunk, credentials.count)]
                group.addTask {
                    var outcomes: [PolicyOutcome] = []
                    outcomes.reserveCapacity(slice.count)
                    for credential in slice { outcomes.append(await evaluate(credential, in: context)) }
                    return (start, outcomes)
                }
            }
            var ordered: [(Int, [PolicyOutcome])] = []
            for await part in group { ordered.append(part) }
            return ordered.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        var total = PolicyOutcome()
        for outcome in outcomes { total.merge(outcome) }
        return result(total, ids: credentials.compactMap(\.id), at: context.now)
    }

    /// Verifies a presentation: the presentation policies (its proof, challenge, domain), then every
    /// embedded credential through the credential policies, as one result. An enveloped credential
    /// (`application/vc+jwt`, `application/vc+cose`, `application/vc+sd-jwt`) is opened and verified
    /// as `verify(_ envelope:)` (or `verify(_:)` for an SD-JWT) does;
    /// one that cannot be read fails with its code at its `/verifiableCredential/<index>` path.
    public func verify(_ presentation: Presentation) async -> VerificationResult {
        await verifyInParts(presentation).combined
    }

    /// Verifies a presentation as `verify(_:)` does, keeping the presentation's own outcome apart
    /// from each embedded credential's. With `envelope` (the `vp+jwt` or `vp+cose` the presentation
    /// arrived in), the envelope's signature is the presentation's proof.
    public func verifyInParts(_ presentation: Presentation, envelope: Envelope? = nil) async -> PresentationVerification {
        await verifyInParts(presentation, in: VerificationContext(now: now(), presentation: presentation, presentationEnvelope: envelope))
    }

    /// Verifies a holder's presentation of an SD-JWT secured credential with key binding: the
    /// KB-JWT is the presentation's proof (the challenge as its `nonce`, the domain as its `aud`,
    /// `sd_jwt_key_binding_missing` without one), and the credential as disclosed goes through the
    /// credential policies as `verify(_:)` does.
    public func verifyInParts(_ sdJWT: SDJWTCredential) async -> PresentationVerification {
        let presentation = sdJWT.presentation
        return await verifyInParts(presentation, in: VerificationContext(now: now(), presentation: presentation, presentationSDJWT: sdJWT))
    }

    private func verifyInParts(_ presentation: Presentation, in context: VerificationContext) async -> PresentationVerification {
        var own = PolicyOutcome()
        for policy in presentationPolicies {
            own.merge(stamped(await policy.evaluate(presentation, in: context), id: presentation.id, check: policy.name))
        }
        var credentials: [(outcome: PolicyOutcome, id: String?)] = []
        for (index, entry) in presentation.embeddedCredentials.enumerated() {
            switch entry {
            case .credential(let credential):
                credentials.append((await evaluate(credential, in: context), credential.id))
            case .enveloped(let id):
                do {
                    var inner = context
                    let credential: Credential
                    if SDJWTCredential.isDataURL(id) {
                        let sdJWT = try SDJWTCredential(dataURL: id)
                        inner.sdJWT = sdJWT
                        credential = Credential(sdJWT.document)
                    } else {
                        let envelope = try Self.credentialEnvelope(id)
                        inner.envelope = envelope
                        credential = Credential(envelope.document)
                    }
                    credentials.append((await evaluate(credential, in: inner), credential.id))
                } catch {
                    let problem = VerificationProblem(
                        code: error.code, message: error.message, credentialId: presentation.id,
                        path: "/verifiableCredential/\(index)/id", check: "envelope")
                    credentials.append((PolicyOutcome(failures: [problem]), nil))
                }
            }
        }
        var total = own
        for part in credentials { total.merge(part.outcome) }
        let credentialChecks = credentialPolicies.map(\.name)
        return PresentationVerification(
            presentation: VerificationResult(
                checks: presentationPolicies.map(\.name), credentialIds: [presentation.id].compactMap { $0 }, failures: own.failures,
                warnings: own.warnings, verifiedAt: context.now),
            credentials: credentials.map {
                VerificationResult(
                    checks: credentialChecks, credentialIds: [$0.id].compactMap { $0 }, failures: $0.outcome.failures,
                    warnings: $0.outcome.warnings, verifiedAt: context.now)
            },
            combined: result(
                total, ids: [presentation.id].compactMap { $0 } + credentials.compactMap(\.id), at: context.now))
    }

    /// The enveloped credential a `data:` URL carries; a presentation's media type is
    /// `envelope_unsupported_media_type`.
    private static func credentialEnvelope(_ dataURL: String) throws(CredentialError) -> Envelope {
        let envelope = try Envelope(dataURL: dataURL)
        guard !envelope.mediaType.isPresentation else {
            throw .envelope(.unsupportedMediaType, "\(envelope.mediaType.rawValue) is not a credential's media type")
        }
        return envelope
    }

    private func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        var total = PolicyOutcome()
        for policy in credentialPolicies {
            total.merge(stamped(await policy.evaluate(credential, in: context), id: credential.id, check: policy.name))
        }
        return total
    }

    /// The outcome with `id` as the credential of every problem that names none, and `check` as
    /// the check that found it.
    private func stamped(_ outcome: PolicyOutcome, id: String?, check: String) -> PolicyOutcome {
        func stamp(_ problems: [VerificationProblem]) -> [VerificationProblem] {
            problems.map { problem in
                var problem = problem
                problem.credentialId = problem.credentialId ?? id
                problem.check = problem.check ?? check
                return problem
            }
        }
        return PolicyOutcome(failures: stamp(outcome.failures), warnings: stamp(outcome.warnings))
    }

    private func result(_ outcome: PolicyOutcome, ids: [String], at date: Date) -> VerificationResult {
        VerificationResult(
            checks: presentationPolicies.map(\.name) + credentialPolicies.map(\.name), credentialIds: ids,
            failures: outcome.failures, warnings: outcome.warnings, verifiedAt: date)
    }
}

/// A presentation's verification in parts (`Verifier.verifyInParts`).
public struct PresentationVerification: Sendable, Hashable {
    /// The presentation policies' result: its data model, proof, challenge and domain.
    public var presentation: VerificationResult
    /// One result per embedded credential, in the presentation's order.
    public var credentials: [VerificationResult]
    /// Everything in one result, as `Verifier.verify(_:)` answers for a presentation.
    public var combined: VerificationResult
}
