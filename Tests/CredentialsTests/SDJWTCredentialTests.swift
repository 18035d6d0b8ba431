import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// W3C credentials secured with SD-JWT (`application/vc+sd-jwt`, VC-JOSE-COSE): issued by
/// `CredentialIssuer`, presented by the holder with a chosen subset and a KB-JWT, and verified by
/// the `Verifier` with the same credential policies as any credential.
@Suite struct SDJWTCredentialTests {
    static let resolver = MethodDispatchResolver(["key": DIDKeyResolver()])
    static let clock = at("2025-07-01T10:00:05Z")
    static let issuedAt = XSDDateTime.parse("2025-07-01T10:00:00Z")!
    static let challenge = "c-7Jq2"
    static let domain = "https://verifier.example"

    let issuer = try! CredentialIssuer(didKeySigner: SoftwareSigner.generate(.p256))
    let holder = SoftwareSigner.generate(.ed25519)
    var holderDID: String { DIDKey.did(for: holder.verificationKey) }

    /// A battery pack's credential whose subject is the holder (a did:key, so it is bound by `cnf`).
    func credential(subject: String? = nil, extra: JSONObject = [:]) -> JSONObject {
        var credential: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:pack-7", "type": ["VerifiableCredential"],
            "issuer": .string(issuer.did), "validFrom": "2025-01-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z",
            "credentialSubject": [
                "id": .string(subject ?? holderDID), "capacityKWh": 75, "chemistry": "NMC 811 pouch cells",
                "manufacturer": ["name": "Voltcell Works", "site": "Plant 3 Skelleftea"],
                "recycledContent": ["cobalt 16 percent", "lithium 6 percent", "nickel 6 percent"],
            ],
        ]
        for (key, value) in extra { credential[key] = value }
        return credential
    }

    func credentialVerifier() -> Verifier { Verifier.standard(resolver: Self.resolver, issuerBinding: .whenDID, now: Self.clock) }

    func presentationVerifier(challenge: String = Self.challenge, domain: String? = Self.domain) -> Verifier {
        Verifier.presentation(resolver: Self.resolver, challenge: challenge, domain: domain, issuerBinding: .whenDID, now: Self.clock)
    }

    func present(
        _ sdJWT: SDJWTCredential, _ pointers: [String], challenge: String = Self.challenge, domain: String = domain
    ) async throws -> SDJWTCredential {
        try await sdJWT.present(disclosing: pointers, challenge: challenge, domain: domain, issuedAt: Self.issuedAt, signer: holder)
    }

    /// Everything a verifier receives, decoded: the data: URL, and the JSON of the issuer-signed JWT,
    /// of each disclosure and of the KB-JWT.
    static func received(_ sdJWT: SDJWTCredential) -> String {
        var parts = [sdJWT.dataURL, String(decoding: sdJWT.sdJWT.issuerSigned.payload, as: UTF8.self)]
        parts += sdJWT.sdJWT.disclosures.map { String(decoding: (try? Base64URL.decode($0.encoded)) ?? [], as: UTF8.self) }
        parts += [sdJWT.sdJWT.keyBinding.map { String(decoding: $0.payload, as: UTF8.self) } ?? ""]
        return parts.joined(separator: "\n")
    }

    @Test func issuedPresentedInPartsAndVerified() async throws {
        let issued = try await issuer.issueSDJWT(credential())
        let header = issued.sdJWT.issuerSigned.header
        #expect(header["typ"] == "vc+sd-jwt" && header["cty"] == "vc" && header["kid"] == .string(issuer.verificationMethod))
        #expect(header["alg"] == "ES256")
        // The payload is the credential: every subject member but its id hidden behind digests, the holder's key in cnf.
        let payload = issued.sdJWT.payload
        #expect(payload["validUntil"] == "2026-01-01T00:00:00Z" && payload["issuer"] == .string(issuer.did))
        #expect(payload["credentialSubject"]?["id"] == .string(holderDID) && payload["credentialSubject"]?["chemistry"] == nil)
        #expect(payload["cnf"] == ["jwk": .object(holder.verificationKey.jwk)])
        #expect(
            issued.disclosedPaths == [
                "/credentialSubject/capacityKWh", "/credentialSubject/chemistry", "/credentialSubject/manufacturer",
                "/credentialSubject/recycledContent",
            ])
        var expected = credential()
        expected["cnf"] = ["jwk": .object(holder.verificationKey.jwk)]
        #expect(issued.document == expected)
        #expect(issued.dataURL.hasPrefix("data:application/vc+sd-jwt,ey"))
        #expect(issued.envelopedCredential["type"] == "EnvelopedVerifiableCredential")

        let verified = await credentialVerifier().verify(issued)
        #expect(verified.verified, "\(verified.failures)")
        #expect(verified.credentialIds == ["urn:uuid:pack-7"])
        #expect(await credentialVerifier().verify(document: .object(issued.envelopedCredential)).verified)

        // The holder reveals the capacity and the manufacturer's site (its enclosing claim's disclosure comes along).
        for pointers in [["/credentialSubject/capacityKWh"], ["/credentialSubject/manufacturer", "/credentialSubject/capacityKWh"]] {
            let presented = try await present(issued, pointers)
            let parts = await presentationVerifier().verifyInParts(presented)
            #expect(parts.combined.verified, "\(pointers): \(parts.combined.failures)")
            #expect(parts.presentation.checks == ["presentation_data_model", "presentation_proof"])
            #expect(parts.credentials.count == 1 && parts.credentials[0].verified)
            #expect(presented.disclosedPaths == pointers.sorted())
            #expect(await presentationVerifier().verify(presentationDocument: .object(presented.envelopedPresentation)).verified)

            let received = Self.received(presented)
            #expect(received.contains("\"capacityKWh\",75"))
            #expect(!received.contains("NMC 811") && !received.contains("cobalt"), "an unrevealed value reached the verifier")
            #expect(received.contains("Skelleftea") == pointers.contains("/credentialSubject/manufacturer"))
        }
    }

    @Test func disclosableClaimsAreChosenByPointerAndSomeStayInTheClear() async throws {
        let issued = try await issuer.issueSDJWT(
            credential(), disclosable: ["/credentialSubject/manufacturer/site", "/credentialSubject/recycledContent/1"])
        #expect(issued.sdJWT.payload["credentialSubject"]?["chemistry"] == "NMC 811 pouch cells")
        let presented = try await present(issued, ["/credentialSubject/recycledContent/1"])
        #expect(presented.document["credentialSubject"]?["recycledContent"] == ["cobalt 16 percent", "lithium 6 percent", "nickel 6 percent"])
        #expect(presented.document["credentialSubject"]?["manufacturer"] == ["name": "Voltcell Works"])
        #expect(await presentationVerifier().verifyInParts(presented).combined.verified)

        for pointer in [
            "/validUntil", "/credentialStatus", "/issuer", "/@context/0", "/credentialSubject", "/credentialSubject/id", "/type",
        ] {
            #expect(await failureCode { _ = try await issuer.issueSDJWT(credential(), disclosable: [pointer]) } == "sd_jwt_claim_not_disclosable", "\(pointer)")
        }
        #expect(await failureCode { _ = try await issuer.issueSDJWT(credential(), disclosable: ["/credentialSubject/serial"]) } == "sd_jwt_pointer_invalid")
        // A subject that is not a did:key is not bound: no cnf, so no key binding to require.
        let unbound = try await issuer.issueSDJWT(credential(subject: "did:example:pack-7"))
        #expect(unbound.sdJWT.payload["cnf"] == nil)
        await #expect(throws: CredentialError.self) { _ = try await present(unbound, ["/credentialSubject/capacityKWh"]) }
        #expect(await presentationVerifier().verifyInParts(try unbound.present(disclosing: [])).combined.failureCodes == ["sd_jwt_key_binding_missing"])
    }

    /// Signs `claims` as a vc+sd-jwt as another implementation might: `disclosable` as given, under `kid`.
    func foreign(_ claims: JSONObject, disclosable: [String], kid: String, signer: some Signer) async throws -> SDJWTCredential {
        let header: JSONObject = ["typ": "vc+sd-jwt", "kid": .string(kid)]
        return try SDJWTCredential(try await SDJWTIssuer().issue(claims: claims, disclosable: disclosable, header: header, signer: signer))
    }

    @Test func tamperedForeignExpiredAndUnboundCredentialsFailWithTheirCodes() async throws {
        let issued = try await issuer.issueSDJWT(credential())
        func codes(_ sdJWT: SDJWTCredential) async -> [String] { await credentialVerifier().verify(sdJWT).failureCodes }

        // A disclosure rewritten by the holder: its digest is not among the signed ones.
        let original = issued.sdJWT.disclosures[0]
        let forged = SDJWTDisclosure(salt: original.salt, claimName: original.claimName, value: 99)
        let tampered = try SDJWTCredential(compact: issued.serialization.replacingOccurrences(of: original.encoded, with: forged.encoded))
        #expect(await codes(tampered) == ["sd_jwt_disclosure_unreferenced"])
        #expect(tampered.document["credentialSubject"]?[original.claimName ?? ""] == nil, "a forged claim is never taken")

        // An issuer that made validUntil disclosable: the holder could hide when it expires.
        let hiding = try await foreign(
            credential(), disclosable: ["/validUntil", "/credentialSubject/capacityKWh"], kid: issuer.verificationMethod, signer: issuer.signer)
        #expect(await codes(hiding) == ["sd_jwt_claim_not_disclosable"])

        // Another key's signature over a credential naming this issuer, under its own kid, then under the issuer's.
        let other = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.ed25519))
        #expect(await codes(try await foreign(credential(), disclosable: [], kid: other.verificationMethod, signer: other.signer)) == ["issuer_key_mismatch"])
        #expect(await codes(try await foreign(credential(), disclosable: [], kid: issuer.verificationMethod, signer: other.signer)) == ["jose_algorithm_mismatch"])

        // Expired by the credential's validUntil, and by the SD-JWT's exp claim.
        #expect(await codes(try await issuer.issueSDJWT(credential(extra: ["validUntil": "2025-06-30T00:00:00Z"]))) == ["expired"])
        #expect(await codes(try await issuer.issueSDJWT(credential(extra: ["exp": 1_751_300_000]))) == ["sd_jwt_expired"])

        // A header of another media type is refused when read.
        let typed = try await SDJWTIssuer().issue(claims: credential(), disclosable: [], header: ["typ": "dc+sd-jwt"], signer: issuer.signer)
        #expect(await failureCode { _ = try SDJWTCredential(typed) } == "sd_jwt_invalid_type")
        #expect(await failureCode { _ = try SDJWTCredential(dataURL: "data:application/vc+jwt,abc") } == "envelope_malformed")
    }

    @Test func aPresentationIsHeldToTheVerifiersChallengeAndDomain() async throws {
        let issued = try await issuer.issueSDJWT(credential())
        let pointers = ["/credentialSubject/capacityKWh"]
        func codes(_ presented: SDJWTCredential, domain: String? = Self.domain) async -> [String] {
            await presentationVerifier(domain: domain).verifyInParts(presented).combined.failureCodes
        }
        #expect(await codes(try await present(issued, pointers, challenge: "replayed")) == ["sd_jwt_nonce_mismatch"])
        #expect(await codes(try await present(issued, pointers, domain: "https://other.example")) == ["sd_jwt_audience_mismatch"])
        #expect(await codes(try await present(issued, pointers, domain: "https://other.example"), domain: nil) == [])
        #expect(await codes(try issued.present(disclosing: pointers)) == ["sd_jwt_key_binding_missing"])
        // A KB-JWT over other disclosures than those it came with.
        let presented = try await present(issued, pointers)
        let extra = try #require(issued.sdJWT.disclosures.first { !presented.sdJWT.disclosures.contains($0) })
        let keyBinding = try #require(presented.sdJWT.keyBinding).serialization
        let widened = try SDJWTCredential(
            compact: presented.serialization.replacingOccurrences(of: "~" + keyBinding, with: "~" + extra.encoded + "~" + keyBinding))
        #expect(await codes(widened) == ["sd_jwt_sd_hash_mismatch"])

        // Inside a holder's Data Integrity presentation, a vc+sd-jwt is verified as the credential it discloses.
        var unsecured = Presentation.unsecured(holder: holderDID, credentials: [])
        unsecured["verifiableCredential"] = [.object(try issued.present(disclosing: pointers).envelopedCredential)]
        let options = ProofOptions(
            cryptosuite: .eddsaJcs2022, verificationMethod: holderDID + "#" + holder.verificationKey.multikey, proofPurpose: .authentication,
            created: Self.issuedAt, domain: [Self.domain], challenge: Self.challenge)
        let embedding = Presentation(try await DataIntegrity.sign(unsecured, options: options, signer: holder))
        let parts = await presentationVerifier().verifyInParts(embedding)
        #expect(parts.combined.verified, "\(parts.combined.failures)")
        #expect(parts.credentials.map(\.credentialIds) == [["urn:uuid:pack-7"]])
    }
}
