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
///
/// The status of both VC API verify endpoints (`/credentials/verify` here and
/// `/presentations/verify` in `PresentationRoutes`) follows one rule: `200` with the verification result
/// whenever the verification ran, whether or not the credential or presentation verified
/// (`verified: false` and its `problemDetails` say why), and `400` with a problem document for
/// input that cannot be verified: a malformed request, an unknown option, or a document that is
/// not a well-formed verifiable credential or presentation (`VerifiableInput`).
///
/// Why: oas.yaml answers `/presentations/verify` with 200 "regardless of whether the presentation
/// and/or credentials were determined to be valid or invalid" and 400 for "invalid or malformed
/// input that prevented the verification process"; for `/credentials/verify` its 200 response is
/// the VerificationResult, whose `verified` is false when errors were found, and 400 is "invalid
/// input". The verifier suite's negative tests ("MUST not verify if "@context" / "type" / "issuer" /
/// "credentialSubject" / "proof" / "proof.type" … is missing or mistyped") all send such invalid
/// input and expect 400, which `VerifiableInput` gives. Its "proof.created is missing" test
/// expects 400 too, but VC Data Integrity makes `created` optional: a proof whose `created` was
/// removed is verified and fails (200, PROOF_VERIFICATION_ERROR). Likewise the Data Integrity
/// suites, which expect 400 or 422 for a wrong signature, get 200 with `verified: false`: where a
/// suite and oas.yaml disagree, oas.yaml's one rule for both endpoints is kept.
struct CredentialRoutes {
    let operatorKeys: OperatorKeys
    let credentials: any CredentialRepository
    let statusLists: OperatorStatusLists
    let verification: ServiceVerification
    let changes: any ChangeSetRepository
    let authenticator: Authenticator
    let idempotency: IdempotencyKeys
    /// The suite per credential type when the request names none.
    let cryptosuites: CryptosuitePolicy
    let maxBodySize: Int
    let now: @Sendable () -> Date

    func add(to router: Router<VoltpassRequestContext>) {
        // POST /credentials/issue {credential, options: {credentialId?, cryptosuite?, format?, disclosable?, statusLists?}}:
        // 201 {verifiableCredential}. The credential must name its issuer, the operator's DID (VC API
        // issuer suite: "credential MUST have property issuer"). `mandatoryPointers` (or cryptosuite
        // ecdsa-sd-2023, with an operator key on P-256) answers a base proof for the holder, who derives
        // what verifiers see (`/credentials/derive`). With
        // `format` `vc+jwt`, `vc+cose` or `vc+sd-jwt` (its claims at `disclosable`, or its subject's,
        // selectively disclosable), `verifiableCredential` is an EnvelopedVerifiableCredential.
        router.group().add(middleware: authenticator.require(.issuer))
            .post("credentials/issue") { request, context -> Response in
                try context.authorize(operator: operatorKeys.did)
                let json = try await request.jsonBody(limit: maxBodySize)
                let body = try RequestBody(json)
                return try await idempotency.run(
                    request, context: context, body: json, status: .created, json: { ["verifiableCredential": .object($0.json)] }
                ) { try await issue(body, idempotency: $0) }
            }
        // POST /credentials/verify {verifiableCredential, options}: see `CredentialRoutes` for the status.
        // An EnvelopedVerifiableCredential (VC-JOSE-COSE, SD-JWT) is opened first: one that cannot be
        // read is refused (400), and the credential it carries (as disclosed) is verified and
        // answered as any other.
        router.post("credentials/verify") { request, context -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let document = try body.requiredObject("verifiableCredential")
            let options = try VerifyCredentialOptions(try body.object("options"))
            let verifier = verification.credentialVerifier()
            let credential: Credential
            let result: VerificationResult
            var sdJWT: SDJWTCredential?
            switch VerifiableInput.read(document) {
            case .refused(let refusal):
                return refusal
            case .credential(let secured):
                credential = secured
                result = await verifier.verify(credential)
            case .enveloped(let envelope):
                credential = Credential(envelope.document)
                result = await verifier.verify(envelope)
            case .selectivelyDisclosed(let secured):
                (credential, sdJWT) = (Credential(secured.document), secured)
                result = await verifier.verify(secured)
            }
            context.logger.audit(result, of: "credential")
            return .json(VCAPIVerificationResult.credential(result, of: credential, options: options, sdJWT: sdJWT))
        }
        // POST /credentials/derive {verifiableCredential, options: {selectivePointers}} (VC API, a holder's
        // service): from a credential with an ecdsa-sd-2023 base proof, 201 {verifiableCredential} that
        // discloses the mandatory statements and those the pointers select, with its derived proof. No
        // secret is needed, and nothing is stored.
        router.post("credentials/derive") { request, _ -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let document = try body.requiredObject("verifiableCredential")
            let options = try body.object("options")
            try options.rejectUnknown(["selectivePointers"])
            let pointers = try options.strings("selectivePointers")
            let derived = try DataIntegrity.deriveSelective(document, selectivePointers: pointers)
            return .json(["verifiableCredential": .object(derived)], status: .created)
        }
    }

    /// Signs the credential and stores it (with the response kept under its idempotency key) in one transaction.
    private func issue(_ body: RequestBody, idempotency: IdempotentWrite<Credential>?) async throws -> Credential {
        var document = try body.requiredObject("credential")
        let options = try IssueCredentialOptions(try body.object("options"))
        try Self.requireIssuer(document)
        let (methodID, signer) = try await operatorKeys.currentSigner()
        var cryptosuite: Cryptosuite?
        if let name = options.cryptosuite {
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
        let givenID = Credential(document).id ?? options.credentialId
        let storageID = givenID ?? "urn:uuid:\(UUID().uuidString.lowercased())"
        if try await credentials.credential(id: storageID) != nil {
            throw APIError(.conflict, code: "credential_exists", "a credential with id \(storageID) was already issued")
        }
        let listIDs = options.statusLists
        if !listIDs.isEmpty {
            let service = try await statusLists.service()
            var entries: [JSONValue] = document["credentialStatus"].map { $0.arrayValue ?? [$0] } ?? []
            for listID in listIDs {
                entries.append(.object(try await service.allocateEntry(listID: statusLists.listID(of: listID) ?? listID).json))
            }
            document["credentialStatus"] = entries.count == 1 ? entries[0] : .array(entries)
        }
        let issuer = try CredentialIssuer(
            signer: signer, verificationMethod: methodID, cryptosuite: cryptosuite, policy: cryptosuite == nil ? cryptosuites : CryptosuitePolicy())
        // What is answered and stored: the secured credential, or the EnvelopedVerifiableCredential
        // (indexed by the types and subject of the credential it carries).
        let credential: Credential
        let payload: Credential
        switch options.format {
        case .enveloped(let mediaType)?:
            let envelope = try await issuer.envelop(document, as: mediaType)
            credential = Credential(envelope.enveloped)
            payload = Credential(envelope.document)
        case .sdJWT?:
            let sdJWT = try await issuer.issueSDJWT(document, disclosable: options.disclosable)
            credential = Credential(sdJWT.envelopedCredential)
            payload = Credential(sdJWT.document)
        case nil where cryptosuite == .ecdsaSd2023:
            credential = try await issuer.issueSelective(document, mandatoryPointers: options.mandatoryPointers ?? [])
            payload = credential
        case nil:
            credential = try await issuer.issue(document)
            payload = credential
        }
        let date = now()
        var change = ChangeSet()
        change.credentials = [
            StoredCredential(
                id: storageID, issuer: issuer.did, types: payload.types, subject: payload.subjectID, issuedAt: date,
                document: JSONValue.object(credential.json).serialized())
        ]
        change.keep(try idempotency?.response(for: credential, at: date))
        try await changes.commit(change)
        return credential
    }

    /// Refuses a credential without `issuer` (or an issuer object without `id`) as `400
    /// missing_issuer`: the issuer is named by the caller, never filled in, so what is signed is
    /// what was asked for (a wrong issuer is `issuer_key_mismatch`).
    static func requireIssuer(_ document: JSONObject) throws {
        switch document["issuer"] {
        case nil:
            throw APIError(.badRequest, code: "missing_issuer", "/credential/issuer is required: the operator's DID")
        case .object(let issuer)? where issuer["id"] == nil:
            throw APIError(.badRequest, code: "missing_issuer", "/credential/issuer/id is required: the operator's DID")
        default:
            return
        }
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
        // POST /presentations/verify {verifiablePresentation, options: {challenge, domain?, returnPresentation?}}:
        // see `CredentialRoutes` for the status. An EnvelopedVerifiablePresentation (vp+jwt, vp+cose)
        // answers the challenge with its `nonce` claim and the domain with `aud`; one carrying a
        // vc+sd-jwt answers them with its KB-JWT's `nonce` and `aud`, and the result lists what the
        // holder disclosed (the credential's `results.proof`).
        router.post("presentations/verify") { request, context -> Response in
            let body = try RequestBody(try await request.jsonBody(limit: maxBodySize))
            let input = VerifiableInput.read(presentation: try body.requiredObject("verifiablePresentation"))
            let options = try VerifyPresentationOptions(try body.object("options"))
            let verifier = verification.presentationVerifier(challenge: options.challenge, domain: options.domain, challenges: challenges)
            let presentation: Presentation
            let verified: PresentationVerification
            var sdJWT: SDJWTCredential?
            switch input {
            case .refused(let response): return response
            case .presentation(let secured): (presentation, verified) = (secured, await verifier.verifyInParts(secured))
            case .enveloped(let enveloped):
                presentation = Presentation(enveloped.document)
                verified = await verifier.verifyInParts(presentation, envelope: enveloped)
            case .selectivelyDisclosed(let secured):
                (presentation, sdJWT) = (secured.presentation, secured)
                verified = await verifier.verifyInParts(secured)
            }
            context.logger.audit(verified.combined, of: "presentation")
            return .json(VCAPIVerificationResult.presentation(verified, of: presentation, options: options, sdJWT: sdJWT))
        }
    }
}
