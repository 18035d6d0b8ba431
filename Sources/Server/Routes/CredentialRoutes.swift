import Credentials
import Encoding
import Foundation
import Hummingbird
import Identity
import Passport

/// Answers the operator's own DID from its store (current and retired keys, no request to
/// ourselves) and every other DID through `base`.
struct OperatorDIDResolver: DIDResolver {
    let operatorKeys: OperatorKeys
    let base: any DIDResolver

    func resolve(_ did: String) async throws -> DIDDocument {
        did == operatorKeys.did ? try await operatorKeys.document() : try await base.resolve(did)
    }
}

/// How the service verifies: the standard policies, the status of every credential (its own lists
/// read directly, others fetched over HTTPS), and issuer authority (no registry is configured yet, so
/// it warns `issuer_authority_unconfirmed`).
struct ServiceVerification {
    let resolver: any DIDResolver
    let statusLists: OperatorStatusLists
    /// Fetches other issuers' lists (public destinations only, unless allowed).
    let remoteStatusLists: HTTPStatusListFetcher

    /// The status policy, with a cache per verification so an update of our own lists is seen at once.
    func statusPolicy() -> StatusPolicy {
        let fetcher = OperatorStatusListFetcher(lists: statusLists, remote: remoteStatusLists)
        return StatusPolicy(cache: StatusListCache(fetcher: fetcher, resolver: resolver))
    }

    /// Any issuer's credential (the VC API): bound to its issuer when the issuer is a DID; supply-chain
    /// events and passports are held to REQ-F03 (``IssuerBinding/didRequired``).
    func credentialVerifier(issuerBinding: IssuerBinding = .whenDID) -> Verifier {
        var verifier = Verifier.standard(resolver: resolver, issuerBinding: issuerBinding)
        verifier.credentialPolicies += [statusPolicy(), IssuerAuthorityPolicy()]
        return verifier
    }

    func presentationVerifier(challenge: String, domain: String?, challenges: any SingleUseChallenges) -> Verifier {
        var verifier = Verifier.presentation(
            resolver: resolver, challenge: challenge, domain: domain, challenges: challenges, issuerBinding: .whenDID)
        verifier.credentialPolicies += [statusPolicy(), IssuerAuthorityPolicy()]
        return verifier
    }
}

/// The W3C VC API credential endpoints: issue (issuer role) and verify (public).
struct CredentialRoutes {
    let operatorKeys: OperatorKeys
    let credentials: any CredentialRepository
    let statusLists: OperatorStatusLists
    let verification: ServiceVerification
    let changes: any ChangeSetRepository
    let authenticator: Authenticator
    let idempotency: IdempotencyKeys
    let maxBodySize: Int
    let now: @Sendable () -> Date

    func add(to router: Router<VoltpassRequestContext>) {
        // POST /credentials/issue {credential, options: {cryptosuite?, credentialId?, statusLists?}}
        router.group().add(middleware: authenticator.require(.issuer))
            .post("credentials/issue") { request, context -> Response in
                try context.authorize(operator: operatorKeys.did)
                let json = try await request.jsonBody(limit: maxBodySize)
                let body = try RequestBody(json)
                return try await idempotency.run(
                    request, context: context, body: json, status: .created, json: { ["verifiableCredential": .object($0.json)] }
                ) { try await issue(body, idempotency: $0) }
            }
        // POST /credentials/verify {verifiableCredential, options}: 200 with the result when it
        // verifies, otherwise 400 `verification_failed` carrying the same result.
        router.post("credentials/verify") { request, context -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let document = try body.requiredObject("verifiableCredential")
            _ = try body.object("options")
            let result = await verification.credentialVerifier().verify(Credential(document))
            context.logger.audit(result, of: "credential")
            return Self.response(result, failureStatus: .badRequest)
        }
    }

    /// Signs the credential and stores it (with the response kept under its idempotency key) in one transaction.
    private func issue(_ body: RequestBody, idempotency: IdempotentWrite<Credential>?) async throws -> Credential {
        var document = try body.requiredObject("credential")
        let options = try body.object("options")
        let (methodID, signer) = try await operatorKeys.currentSigner()
        var cryptosuite: Cryptosuite?
        if let name = try options.string("cryptosuite") {
            guard let suite = Cryptosuite(rawValue: name) else {
                throw APIError(
                    .badRequest, code: "unsupported_cryptosuite",
                    "the cryptosuite '\(name)' is not supported; use \(Cryptosuite.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            guard suite.supports(signer.algorithm) else {
                throw APIError(
                    .badRequest, code: "unsupported_cryptosuite",
                    "the operator's current key is \(signer.algorithm.rawValue); \(name) needs \(suite.algorithms.map(\.rawValue).joined(separator: " or "))")
            }
            cryptosuite = suite
        }
        let givenID = try Credential(document).id ?? options.string("credentialId")
        let storageID = givenID ?? "urn:uuid:\(UUID().uuidString.lowercased())"
        if try await credentials.credential(id: storageID) != nil {
            throw APIError(.conflict, code: "credential_exists", "a credential with id \(storageID) was already issued")
        }
        let listIDs = try options.strings("statusLists")
        if !listIDs.isEmpty {
            let service = try await statusLists.service()
            var entries: [JSONValue] = document["credentialStatus"].map { $0.arrayValue ?? [$0] } ?? []
            for listID in listIDs {
                entries.append(.object(try await service.allocateEntry(listID: statusLists.listID(of: listID) ?? listID).json))
            }
            document["credentialStatus"] = entries.count == 1 ? entries[0] : .array(entries)
        }
        let issuer = try CredentialIssuer(signer: signer, verificationMethod: methodID, cryptosuite: cryptosuite)
        let credential = try await issuer.issue(document)
        let date = now()
        var change = ChangeSet()
        change.credentials = [
            StoredCredential(
                id: storageID, issuer: issuer.did, types: credential.types, subject: credential.subjectID, issuedAt: date,
                document: JSONValue.object(credential.json).serialized())
        ]
        change.keep(try idempotency?.response(for: credential, at: date))
        try await changes.commit(change)
        return credential
    }

    /// The verification result as the body: 200 when verified; otherwise a problem document
    /// (`verification_failed`) with the result's members.
    static func response(_ result: VerificationResult, failureStatus: HTTPResponse.Status) -> Response {
        guard !result.verified, case .object(var object) = result.json else { return .json(result.json) }
        let problem = ProblemDetails(
            status: failureStatus, code: "verification_failed",
            detail: "verification failed: " + result.failureCodes.joined(separator: ", "))
        object["type"] = .string(problem.type)
        object["title"] = .string(problem.title)
        object["status"] = .number(Double(problem.status))
        object["detail"] = .string(problem.detail)
        object["code"] = .string(problem.code)
        return .json(.object(object), status: failureStatus, mediaType: ProblemDetails.mediaType)
    }
}

/// Presentations and the challenges that protect them from replay (both public).
struct PresentationRoutes {
    let challenges: any SingleUseChallenges
    let verification: ServiceVerification
    /// The per-client limit on public writes.
    let publicWrites: RateLimitMiddleware
    let maxBodySize: Int

    func add(to router: Router<VoltpassRequestContext>) {
        // POST /challenges: a single-use challenge for `options.challenge` (rate limited per client).
        router.group().add(middleware: publicWrites).post("challenges") { _, _ -> Response in
            .json(["challenge": .string(try await challenges.issue())])
        }
        // POST /presentations/verify {verifiablePresentation, options: {challenge, domain?}}: 200 with
        // the result whether or not it verified (VC API), 400 for a request that cannot be verified.
        router.post("presentations/verify") { request, context -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let presentation = try body.requiredObject("verifiablePresentation")
            let options = try body.object("options")
            let challenge = try options.requiredString("challenge")
            let domain = try options.string("domain")
            let verifier = verification.presentationVerifier(challenge: challenge, domain: domain, challenges: challenges)
            let result = await verifier.verify(Presentation(presentation))
            context.logger.audit(result, of: "presentation")
            return .json(result.json)
        }
    }
}
