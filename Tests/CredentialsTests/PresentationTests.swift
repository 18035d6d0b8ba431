import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// Holder-signed presentations with challenge and domain, the single-use challenge store, and the
/// credentials inside.
@Suite struct PresentationTests {
    let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    let issuer = TestIssuer()
    let holder = TestIssuer()
    static let domain = "https://verifier.example"

    func present(_ credentials: [Credential], challenge: String, domain: String = Self.domain) async throws -> Presentation {
        let unsecured = Presentation.unsecured(holder: holder.did, credentials: credentials, id: "urn:uuid:vp-1")
        let options = ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: holder.method, proofPurpose: .authentication,
            created: XSDDateTime.parse("2025-07-01T10:00:00Z"), domain: [domain], challenge: challenge)
        return Presentation(try await DataIntegrity.sign(unsecured, options: options, signer: holder.signer))
    }

    func verifier(challenge: String, domain: String? = Self.domain, store: ChallengeStore? = nil) -> Verifier {
        Verifier.presentation(
            resolver: resolver, challenge: challenge, domain: domain, challenges: store, now: at("2025-07-01T10:00:05Z"))
    }

    @Test func presentationWithItsCredentialsVerifies() async throws {
        let credential = try await issuer.issue(issuer.credential(id: "urn:uuid:vc-1"))
        let presentation = try await present([credential], challenge: "c-1")
        let result = await verifier(challenge: "c-1").verify(presentation)
        #expect(result.verified, "\(result.failures)")
        #expect(result.checks == ["presentation_data_model", "presentation_proof", "data_model", "proof", "validity_period"])
        #expect(result.credentialIds == ["urn:uuid:vp-1", "urn:uuid:vc-1"])
    }

    @Test func verifiedInPartsKeepsThePresentationApartFromEachCredential() async throws {
        let good = try await issuer.issue(issuer.credential(id: "urn:uuid:vc-good"))
        var tampered = try await issuer.issue(issuer.credential(id: "urn:uuid:vc-bad")).json
        tampered["credentialSubject"] = ["id": "did:example:other"]
        let presentation = try await present([good, Credential(tampered)], challenge: "c-1")
        let parts = await verifier(challenge: "c-2").verifyInParts(presentation)
        #expect(parts.presentation.failureCodes == ["INVALID_CHALLENGE_ERROR"])
        #expect(parts.presentation.failures.first?.check == "presentation_proof")
        #expect(parts.credentials.map(\.verified) == [true, false])
        #expect(parts.credentials[1].failureCodes == ["PROOF_VERIFICATION_ERROR"])
        #expect(parts.credentials[1].failures.first?.check == "proof")
        #expect(parts.credentials.map(\.credentialIds) == [["urn:uuid:vc-good"], ["urn:uuid:vc-bad"]])
        #expect(parts.combined == (await verifier(challenge: "c-2").verify(presentation)))
        #expect(parts.combined.failureCodes == ["INVALID_CHALLENGE_ERROR", "PROOF_VERIFICATION_ERROR"])
    }

    @Test func wrongDomainAndChallengeHaveTheirCodes() async throws {
        let presentation = try await present([], challenge: "c-1")
        let wrongDomain = await verifier(challenge: "c-1", domain: "https://other.example").verify(presentation)
        #expect(wrongDomain.failureCodes == ["INVALID_DOMAIN_ERROR"])
        #expect(wrongDomain.failures.first?.path == "/proof/domain")
        let wrongChallenge = await verifier(challenge: "c-2").verify(presentation)
        #expect(wrongChallenge.failureCodes == ["INVALID_CHALLENGE_ERROR"])
        #expect(wrongChallenge.failures.first?.credentialId == "urn:uuid:vp-1")
    }

    @Test func replayedPresentationFailsWithInvalidChallenge() async throws {
        let store = ChallengeStore(now: at("2025-07-01T10:00:00Z"))
        let challenge = await store.issue()
        let presentation = try await present([try await issuer.issue(issuer.credential())], challenge: challenge)
        let first = await verifier(challenge: challenge, store: store).verify(presentation)
        #expect(first.verified, "\(first.failures)")
        let replay = await verifier(challenge: challenge, store: store).verify(presentation)
        #expect(replay.failureCodes == ["INVALID_CHALLENGE_ERROR"])
    }

    @Test func challengesExpireAndUnknownOnesAreRefused() async throws {
        let clock = MovableClock(XSDDateTime.parse("2025-07-01T10:00:00Z")!)
        let store = ChallengeStore(timeToLive: .seconds(60), now: { clock.now })
        let challenge = await store.issue()
        #expect(challenge.count == 22)
        #expect(await store.consume("never-issued") == false)
        clock.advance(by: 61)
        #expect(await store.consume(challenge) == false)
        let fresh = await store.issue()
        #expect(fresh != challenge)
        #expect(await store.consume(fresh))
        #expect(await store.consume(fresh) == false)
    }

    @Test func presentationDataModelProblemsAreReported() async throws {
        var unsecured = Presentation.unsecured(holder: holder.did, credentials: [])
        unsecured["verifiableCredential"] = ["eyJhbGciOiJFUzI1NiJ9.e30.sig"]
        unsecured["holder"] = "z6MkNotAURL"
        let presentation = Presentation(unsecured)
        let result = await verifier(challenge: "c-1").verify(presentation)
        #expect(result.failureCodes.prefix(2) == ["invalid_holder", "invalid_verifiable_credential"])
        #expect(result.failures.prefix(2).map(\.path) == ["/holder", "/verifiableCredential/0"])
    }

    @Test func documentsThatAreNotObjectsFail() async {
        let result = await verifier(challenge: "c-1").verify(presentationDocument: "a VP")
        #expect(result.failureCodes == ["malformed_presentation"])
        #expect(!result.verified)
    }

    @Test func theStoreIsBounded() async {
        let store = ChallengeStore(capacity: 3, now: at("2025-07-01T10:00:00Z"))
        for _ in 0..<10 { _ = await store.issue() }
        #expect(await store.count == 3)
    }

    @Test func embeddedCredentialsAreVerifiedAndNamed() async throws {
        var forged = try await issuer.issue(issuer.credential(id: "urn:uuid:vc-forged")).json
        forged["credentialSubject"] = ["id": "did:example:cell-1", "capacityAh": 99]
        let good = try await issuer.issue(issuer.credential(id: "urn:uuid:vc-good"))
        let presentation = try await present([good, Credential(forged)], challenge: "c-1")
        let result = await verifier(challenge: "c-1").verify(presentation)
        #expect(result.failureCodes == ["PROOF_VERIFICATION_ERROR"])
        #expect(result.failures.first?.credentialId == "urn:uuid:vc-forged")
    }

    @Test func aPresentationSignedByAnotherKeyThanTheHoldersFails() async throws {
        var unsecured = Presentation.unsecured(holder: holder.did, credentials: [])
        unsecured["holder"] = .string(issuer.did)
        let options = ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: holder.method, proofPurpose: .authentication,
            created: XSDDateTime.parse("2025-07-01T10:00:00Z"), domain: [Self.domain], challenge: "c-1")
        let presentation = Presentation(try await DataIntegrity.sign(unsecured, options: options, signer: holder.signer))
        #expect(await verifier(challenge: "c-1").verify(presentation).failureCodes == ["holder_key_mismatch"])
    }

    @Test func assertionProofsDoNotAuthenticate() async throws {
        let unsecured = Presentation.unsecured(holder: holder.did, credentials: [])
        let options = ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: holder.method, proofPurpose: .assertionMethod,
            created: XSDDateTime.parse("2025-07-01T10:00:00Z"), domain: [Self.domain], challenge: "c-1")
        let presentation = Presentation(try await DataIntegrity.sign(unsecured, options: options, signer: holder.signer))
        let result = await verifier(challenge: "c-1").verify(presentation)
        #expect(result.failureCodes == ["PROOF_VERIFICATION_ERROR"])
        #expect(result.failures.first?.path == "/proof/proofPurpose")
    }

    @Test func selfAssertedCredentialsNeedTheHolderAsIssuer() async throws {
        let selfAsserted = Credential(holder.credential(id: "urn:uuid:self"))
        let ok = await verifier(challenge: "c-1").verify(try await present([selfAsserted], challenge: "c-1"))
        #expect(ok.verified, "\(ok.failures)")
        // Without the presentation's proof, the self-asserted credential is unproven.
        let unsigned = Presentation(Presentation.unsecured(holder: holder.did, credentials: [selfAsserted]))
        let unproven = await Verifier.standard(resolver: resolver, now: at("2025-07-01T10:00:05Z")).verify(unsigned)
        #expect(unproven.failureCodes == ["PROOF_VERIFICATION_ERROR"])
        #expect(unproven.failures.first?.credentialId == "urn:uuid:self")
        let someoneElses = Credential(issuer.credential(id: "urn:uuid:other"))
        let bad = await verifier(challenge: "c-1").verify(try await present([someoneElses], challenge: "c-1"))
        #expect(bad.failureCodes == ["PROOF_VERIFICATION_ERROR"])
        #expect(bad.failures.first?.credentialId == "urn:uuid:other")
    }
}

/// A clock tests move by hand.
final class MovableClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}
