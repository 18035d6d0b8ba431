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

    public init(now: Date, presentation: Presentation? = nil) {
        self.now = now
        self.presentation = presentation
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

    /// Verifies a JSON document as a credential; a document that is not a JSON object fails with
    /// `malformed_credential`.
    public func verify(document: JSONValue) async -> VerificationResult {
        do {
            return await verify(try Credential(document))
        } catch {
            return result(
                PolicyOutcome(failures: [VerificationProblem(code: error.code, message: error.message, path: error.path)]),
                ids: [], at: now())
        }
    }

    /// Verifies a JSON document as a presentation; a document that is not a JSON object fails with
    /// `malformed_presentation`.
    public func verify(presentationDocument document: JSONValue) async -> VerificationResult {
        do {
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
    /// embedded credential through the credential policies. Enveloped credentials are not
    /// supported and fail with `unsupported_enveloped_credential`.
    public func verify(_ presentation: Presentation) async -> VerificationResult {
        let context = VerificationContext(now: now(), presentation: presentation)
        var total = PolicyOutcome()
        for policy in presentationPolicies {
            total.merge(stamped(await policy.evaluate(presentation, in: context), id: presentation.id))
        }
        var ids = [presentation.id].compactMap { $0 }
        for (index, entry) in presentation.embeddedCredentials.enumerated() {
            switch entry {
            case .credential(let credential):
                ids += [credential.id].compactMap { $0 }
                total.merge(await evaluate(credential, in: context))
            case .enveloped(let id):
                total.failures.append(
                    VerificationProblem(
                        code: "unsupported_enveloped_credential",
                        message: "enveloped credentials (\(id.prefix(40))…) are not supported",
                        credentialId: presentation.id, path: "/verifiableCredential/\(index)"))
            }
        }
        return result(total, ids: ids, at: context.now)
    }

    private func evaluate(_ credential: Credential, in context: VerificationContext) async -> PolicyOutcome {
        var total = PolicyOutcome()
        for policy in credentialPolicies {
            total.merge(stamped(await policy.evaluate(credential, in: context), id: credential.id))
        }
        return total
    }

    private func stamped(_ outcome: PolicyOutcome, id: String?) -> PolicyOutcome {
        var outcome = outcome
        for index in outcome.failures.indices where outcome.failures[index].credentialId == nil {
            outcome.failures[index].credentialId = id
        }
        for index in outcome.warnings.indices where outcome.warnings[index].credentialId == nil {
            outcome.warnings[index].credentialId = id
        }
        return outcome
    }

    private func result(_ outcome: PolicyOutcome, ids: [String], at date: Date) -> VerificationResult {
        VerificationResult(
            checks: presentationPolicies.map(\.name) + credentialPolicies.map(\.name), credentialIds: ids,
            failures: outcome.failures, warnings: outcome.warnings, verifiedAt: date)
    }
}
