import Credentials
import Encoding

/// Voltpass verification results in the VC API's response shapes: VerificationResult of
/// components/VerifyCredentialResult.yml (`verified`, `credential`, `problemDetails`, `results`) and
/// of components/VerifyPresentationResult.yml (`verified`, `verifiablePresentation`,
/// `problemDetails`, `results.presentation`, `results.credentials`).
///
/// Both schemas allow no other top-level members (nor inside `results`), so Voltpass's detail
/// goes where they allow it: each failure and warning is a `problemDetails` entry carrying its
/// stable `code`, `severity`, `path`, `credentialId` and the `check` that found it (see
/// `VCAPIProblem`). The list of checks that ran, the credential ids and the verification time stay
/// in the audit log line of every verification (`Logger.audit`).
enum VCAPIVerificationResult {
    /// The answer of `POST /credentials/verify`, shaped by the request's options. For a credential
    /// secured with SD-JWT (`sdJWT`), `credential` is the credential as disclosed.
    static func credential(
        _ result: VerificationResult, of credential: Credential, options: VerifyCredentialOptions, sdJWT: SDJWTCredential? = nil
    ) -> JSONValue {
        var object: JSONObject = ["verified": .bool(result.verified)]
        if options.returnCredential { object["credential"] = .object(credential.json) }
        if options.returnProblemDetails { object["problemDetails"] = .array(VCAPIProblem.entries(result)) }
        if options.returnResults { object["results"] = .object(steps(result, of: credential, sdJWT: sdJWT)) }
        return .object(object)
    }

    /// The answer of `POST /presentations/verify`: `problemDetails` for the presentation itself,
    /// `results.presentation` for its challenge, domain, holder and proofs, and one credential
    /// result (with `results`, and the credential when `returnPresentation`) per embedded credential.
    /// An SD-JWT secured credential is answered as disclosed, its `results.proof` listing the
    /// disclosed claims; a presentation made by a KB-JWT has that as its proof.
    static func presentation(
        _ verification: PresentationVerification, of presentation: Presentation, options: VerifyPresentationOptions,
        sdJWT: SDJWTCredential? = nil
    ) -> JSONValue {
        var object: JSONObject = ["verified": .bool(verification.combined.verified)]
        if options.returnPresentation { object["verifiablePresentation"] = .object(presentation.json) }
        object["problemDetails"] = .array(VCAPIProblem.entries(verification.presentation))

        let failures = verification.presentation.failures
        func passed(_ excluded: (VerificationProblem) -> Bool) -> JSONValue { .bool(!failures.contains(where: excluded)) }
        // By the problem's type: INVALID_CHALLENGE_ERROR covers an SD-JWT's nonce mismatch too.
        func isType(_ name: DataIntegrityErrorCode) -> (VerificationProblem) -> Bool {
            { ProblemType(code: $0.code).standardName == name.rawValue }
        }
        var own: JSONObject = [
            "challenge": ["verified": passed(isType(.invalidChallengeError)), "input": .string(options.challenge)]
        ]
        if let domain = options.domain {
            own["domain"] = ["verified": passed(isType(.invalidDomainError)), "input": .string(domain)]
        }
        if let holder = presentation.holderID {
            own["holder"] = ["verified": passed { $0.code == "holder_key_mismatch" || ($0.path ?? "").hasPrefix("/holder") }, "input": .string(holder)]
        }
        let proofFailures = failures.filter { $0.check == "presentation_proof" }
        // A KB-JWT is the proof of the presentation it makes: its header and claims (nonce, aud, iat, sd_hash).
        let keyBinding = sdJWT.map { sdJWT -> [JSONObject] in
            guard let jws = sdJWT.sdJWT.keyBinding else { return [] }
            let payload = (try? JSONValue(parsing: jws.payload))?.objectValue ?? [:]
            return [["header": .object(jws.header), "payload": .object(payload)]]
        }
        own["proof"] = .array(
            (keyBinding ?? presentation.proofs).map { proof in
                [
                    "verified": .bool(proofFailures.isEmpty), "input": .object(proof),
                    "problemDetails": .array(proofFailures.map { VCAPIProblem.entry($0, severity: .error) }),
                ]
            })

        let embedded = (presentation.json["verifiableCredential"].map { $0.arrayValue ?? [$0] } ?? []).compactMap(\.objectValue)
        let credentialOptions = VerifyCredentialOptions(returnProblemDetails: true, returnResults: true, returnCredential: options.returnPresentation)
        let credentials = zip(embedded, verification.credentials).map { document, result in
            let disclosed = SDJWTCredential.isDataURL(document["id"]?.stringValue) ? try? SDJWTCredential(enveloped: document) : nil
            return credential(result, of: Credential(disclosed?.document ?? document), options: credentialOptions, sdJWT: disclosed)
        }
        object["results"] = ["presentation": .object(own), "credentials": .array(credentials)]
        return .object(object)
    }

    /// `results` of one credential: its validity period, each status entry and each proof, with
    /// the verdict of the check that covers it. Proofs share one verdict: the proof check judges
    /// the proof set (or chain) as a whole.
    private static func steps(_ result: VerificationResult, of credential: Credential, sdJWT: SDJWTCredential?) -> JSONObject {
        func passed(_ check: String, at path: String) -> JSONValue {
            .bool(!result.failures.contains { $0.check == check && ($0.path == path || ($0.path ?? "").hasPrefix(path + "/")) })
        }
        var steps: JSONObject = [:]
        for member in ["validFrom", "validUntil"] {
            if let input = credential.json[member] { steps[member] = ["verified": passed("validity_period", at: "/" + member), "input": input] }
        }
        switch credential.json["credentialStatus"] {
        case .array(let entries)?:
            // A failure at /credentialStatus itself (entries that could not be read) concerns every entry.
            let listRead = !result.failures.contains { $0.check == "status" && $0.path == "/credentialStatus" }
            steps["credentialStatus"] = .array(
                entries.enumerated().map { index, entry in
                    ["verified": listRead ? passed("status", at: "/credentialStatus/\(index)") : .bool(false), "input": entry]
                })
        case let entry?:
            steps["credentialStatus"] = [["verified": passed("status", at: "/credentialStatus"), "input": entry]]
        case nil:
            break
        }
        let proofVerified = JSONValue.bool(!result.failures.contains { $0.check == "proof" })
        // An SD-JWT's proof is its issuer-signed JWT: its header, and the claims its disclosures revealed.
        let proofs: [JSONObject] =
            sdJWT.map { [["header": .object($0.sdJWT.issuerSigned.header), "disclosed": .array($0.disclosedPaths.map(JSONValue.string))]] }
            ?? credential.proofs
        steps["proof"] = .array(proofs.map { ["verified": proofVerified, "input": .object($0)] })
        return steps
    }
}
