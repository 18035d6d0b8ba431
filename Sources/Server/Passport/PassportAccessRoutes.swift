import Credentials
import Encoding
import Hummingbird
import Passport

/// What a requester's role credential opens on a scan: the presentation in the body of
/// `POST /verify/device/{…}` (or a Digital Link path), `{verifiablePresentation, options: {challenge}}`,
/// bound to a challenge from `POST /challenges` and to this resolver's base URL as its domain.
struct PassportAccessRoutes: Sendable {
    let access: PassportAccess
    let challenges: any SingleUseChallenges
    let verification: ServiceVerification

    /// The decision for the presentation in `body`, or the 400 response for a presentation that
    /// cannot be read at all (`VerifiableInput`).
    enum Outcome {
        case decided(PassportAccess.Decision)
        case refused(Response)
    }

    func decide(_ body: RequestBody, domain: String) async throws -> Outcome {
        let challenge = try body.object("options").requiredString("challenge")
        let presentation: Presentation
        let envelope: Envelope?
        switch VerifiableInput.read(presentation: try body.requiredObject("verifiablePresentation")) {
        case .refused(let response): return .refused(response)
        case .presentation(let secured): (presentation, envelope) = (secured, nil)
        case .enveloped(let enveloped): (presentation, envelope) = (Presentation(enveloped.document), enveloped)
        case .selectivelyDisclosed:
            // An SD-JWT presentation names no holder for the role's subject to be checked against.
            return .decided(
                PassportAccess.Decision(
                    groups: [.public], roles: [],
                    refused: VerificationProblem(
                        code: "access_presentation_unsupported",
                        message: "a role credential is presented in a holder-signed presentation (Data Integrity, vp+jwt or vp+cose)")))
        }
        var verifier = verification.presentationVerifier(challenge: challenge, domain: domain, challenges: challenges)
        verifier.credentialPolicies.append(access.authorityPolicy)
        return .decided(await access.decide(presentation, envelope: envelope, verifier: verifier))
    }
}
