import Credentials
import Encoding
import Hummingbird

/// Decides whether a document sent to a VC API verify endpoint can be verified at all. A document
/// that breaks the VC Data Model 2.0 (secured: `@context`, `type`, `issuer`, `credentialSubject`, …)
/// or whose proof is absent or lacks the members every Data Integrity proof has (`type`,
/// `verificationMethod`, `proofPurpose`, `proofValue`) is invalid input, refused with 400
/// before any verification runs; everything else is verified and answered with 200.
enum VerifiableInput {
    /// What a credential sent to `/credentials/verify` is: secured with Data Integrity proofs,
    /// enveloped (VC-JOSE-COSE), secured with SD-JWT (`vc+sd-jwt`), or refused with a 400 response.
    enum CredentialInput {
        case credential(Credential)
        case enveloped(Envelope)
        case selectivelyDisclosed(SDJWTCredential)
        case refused(Response)
    }

    /// Reads `document` as a credential to verify. Refused: an EnvelopedVerifiableCredential whose
    /// `data:` URL cannot be read (`envelope_*`, `jose_*`, `cose_*`, `sd_jwt_*`) or whose credential
    /// (as disclosed) breaks the data model, and a credential with data model or proof problems.
    /// Disclosures that do not match an SD-JWT's digests are the proof's failure, verified (200).
    static func read(_ document: JSONObject) -> CredentialInput {
        let credential = Credential(document)
        guard credential.types.contains("EnvelopedVerifiableCredential") else {
            let problems = problems(credential)
            return problems.isEmpty ? .credential(credential) : .refused(refusal(problems))
        }
        if SDJWTCredential.isDataURL(document["id"]?.stringValue) {
            let sdJWT: SDJWTCredential
            do {
                sdJWT = try SDJWTCredential(enveloped: document)
            } catch {
                return .refused(refusal([error]))
            }
            let problems = DataModelValidator.validate(Credential(sdJWT.document), mode: .secured)
            return problems.isEmpty ? .selectivelyDisclosed(sdJWT) : .refused(refusal(problems))
        }
        let envelope: Envelope
        do {
            envelope = try Envelope(enveloped: document)
        } catch {
            return .refused(refusal([error]))
        }
        let problems = DataModelValidator.validate(Credential(envelope.document), mode: .secured)
        return problems.isEmpty ? .enveloped(envelope) : .refused(refusal(problems))
    }

    /// What a presentation sent to `/presentations/verify` is: secured with a Data Integrity proof,
    /// enveloped (`vp+jwt`, `vp+cose`), an SD-JWT secured credential (`vc+sd-jwt`) the holder
    /// presents with a KB-JWT, or refused with a 400 response.
    enum PresentationInput {
        case presentation(Presentation)
        case enveloped(Envelope)
        case selectivelyDisclosed(SDJWTCredential)
        case refused(Response)
    }

    /// Reads `document` as a presentation to verify. Refused: an EnvelopedVerifiablePresentation
    /// whose `data:` URL cannot be read or whose presentation breaks the data model, and a
    /// presentation with data model or proof problems. The credential an SD-JWT presentation
    /// discloses is verified as any embedded credential (its data model included).
    static func read(presentation document: JSONObject) -> PresentationInput {
        let presentation = Presentation(document)
        guard presentation.types.contains("EnvelopedVerifiablePresentation") else {
            let problems = problems(presentation)
            return problems.isEmpty ? .presentation(presentation) : .refused(refusal(problems))
        }
        if SDJWTCredential.isDataURL(document["id"]?.stringValue) {
            do {
                return .selectivelyDisclosed(try SDJWTCredential(enveloped: document))
            } catch {
                return .refused(refusal([error]))
            }
        }
        let envelope: Envelope
        do {
            envelope = try Envelope(enveloped: document)
        } catch {
            return .refused(refusal([error]))
        }
        let problems = DataModelValidator.validate(Presentation(envelope.document), includingCredentials: false)
        return problems.isEmpty ? .enveloped(envelope) : .refused(refusal(problems))
    }

    /// The credential's data model problems, then its proof's.
    static func problems(_ credential: Credential) -> [CredentialError] {
        DataModelValidator.validate(credential, mode: .secured) + proofProblems(credential.json["proof"], of: "credential")
    }

    /// The presentation's own data model problems (its credentials are verified one by one), then its proof's.
    static func problems(_ presentation: Presentation) -> [CredentialError] {
        DataModelValidator.validate(presentation, includingCredentials: false)
            + proofProblems(presentation.json["proof"], of: "presentation")
    }

    /// The refusal of a document with `problems`: `400` with the first problem's code, detail and
    /// `path`, and every problem as `problemDetails` (VC API problem details with their codes).
    static func refusal(_ problems: [CredentialError]) -> Response {
        let first = problems[0]
        var members: JSONObject = ["problemDetails": .array(problems.map { VCAPIProblem.entry($0.problem, severity: .error) })]
        if let path = first.path { members["path"] = .string(path) }
        return ProblemDetails(status: .badRequest, code: first.code, detail: first.message).response(members: members)
    }

    /// MALFORMED_PROOF_ERROR for a missing proof, a proof that is not an object (or array of
    /// objects), or a proof without one of the members every Data Integrity proof carries.
    private static func proofProblems(_ value: JSONValue?, of kind: String) -> [CredentialError] {
        let code = "MALFORMED_PROOF_ERROR"
        let proofs: [(JSONValue, String)]
        switch value {
        case nil: return [CredentialError(code, "the \(kind) has no proof", path: "/proof")]
        case .array(let items)? where !items.isEmpty: proofs = items.enumerated().map { ($1, "/proof/\($0)") }
        case .object(let proof)?: proofs = [(.object(proof), "/proof")]
        default: return [CredentialError(code, "'proof' must be an object or a non-empty array of objects", path: "/proof")]
        }
        var problems: [CredentialError] = []
        for (proof, path) in proofs {
            guard let object = proof.objectValue else {
                problems.append(CredentialError(code, "a proof must be a JSON object", path: path))
                continue
            }
            for member in ["type", "verificationMethod", "proofPurpose", "proofValue"] where object[member]?.stringValue == nil {
                problems.append(CredentialError(code, "the proof needs '\(member)' as a string", path: path + "/" + member))
            }
        }
        return problems
    }
}
