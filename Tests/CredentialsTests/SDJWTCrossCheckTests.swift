import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@testable import Credentials

/// The OpenWallet reference implementation (`sd-jwt` from PyPI, module `sd_jwt`) verifies our
/// presentations with key binding, and we verify what it issues and its holder presents. Skipped
/// when python3 or the package is missing, except under `CI=true`.
@Suite(.enabled(if: ReferencePython.canImport("sd_jwt", "jwcrypto") || Vectors.required, "sd-jwt (PyPI) not installed"))
struct SDJWTCrossCheckTests {
    typealias F = SDJWTFixtures

    /// `verify ISSUER_JWK PRESENTATION AUD NONCE` prints the payload sd_jwt verifies with key binding;
    /// `issue ISSUER_JWK HOLDER_JWK CLAIMS POINTERS DISCLOSE AUD NONCE` issues CLAIMS with the claims at
    /// POINTERS selectively disclosable (and decoys), as an SD-JWT VC bound to the holder, and prints
    /// the holder's presentation of DISCLOSE (sd_jwt's holder selection) with a KB-JWT.
    static let script = #"""
        import sys, json
        from jwcrypto.jwk import JWK
        from sd_jwt.common import SDObj
        from sd_jwt.issuer import SDJWTIssuer
        from sd_jwt.holder import SDJWTHolder
        from sd_jwt.verifier import SDJWTVerifier

        def mark(value, pointer, marked):
            if isinstance(value, dict):
                out = {}
                for key, member in value.items():
                    path = pointer + '/' + key.replace('~', '~0').replace('/', '~1')
                    out[SDObj(key) if path in marked else key] = mark(member, path, marked)
                return out
            if isinstance(value, list):
                out = []
                for index, element in enumerate(value):
                    path = pointer + '/' + str(index)
                    inner = mark(element, path, marked)
                    out.append(SDObj(inner) if path in marked else inner)
                return out
            return value

        mode, issuer = sys.argv[1], JWK(**json.loads(sys.argv[2]))
        if mode == 'verify':
            verifier = SDJWTVerifier(sys.argv[3], lambda iss, header: issuer, expected_aud=sys.argv[4], expected_nonce=sys.argv[5])
            print(json.dumps(verifier.get_verified_payload()))
        else:
            holder_key = JWK(**json.loads(sys.argv[3]))
            claims = mark(json.loads(sys.argv[4]), '', set(json.loads(sys.argv[5])))
            issued = SDJWTIssuer(claims, issuer, holder_key, add_decoy_claims=True, extra_header_parameters={'typ': 'dc+sd-jwt'})
            holder = SDJWTHolder(issued.sd_jwt_issuance)
            holder.create_presentation(json.loads(sys.argv[6]), sys.argv[8], sys.argv[7], holder_key)
            print(holder.sd_jwt_presentation)
        """#

    static func jwk(_ signer: SoftwareSigner, withSecret: Bool = false) -> String {
        var jwk = signer.verificationKey.jwk
        if withSecret { jwk["d"] = .string(Base64URL.encode(signer.secretKey)) }
        return JSONValue.object(jwk).serializedString()
    }

    /// sd_jwt verifies key binding with ES256 only, so the holders here have P-256 keys.
    static let holder = SoftwareSigner.generate(.p256)

    @Test(arguments: KeyAlgorithm.allCases)
    func theReferenceVerifiesOurPresentations(issuerAlgorithm: KeyAlgorithm) async throws {
        let issuer = SoftwareSigner.generate(issuerAlgorithm)
        let sdJWT = try await SDJWTIssuer(decoyDigests: 1...3).issue(
            F.credential, claims: F.claims, disclosable: F.disclosable, holderKey: Self.holder.verificationKey, keyID: "key-1",
            signer: issuer)
        let holder = try SDJWTHolder(sdJWT)
        let presentation = try await holder.present(
            try holder.disclosures(revealing: ["/tariffCode", "/battery/manufacturer/site", "/recycledContent/2"]),
            audience: F.audience, nonce: F.nonce, issuedAt: F.now, signer: Self.holder)
        let ours = try await SDJWTVerifier.credentials(issuerKey: .key(issuer.verificationKey), now: F.clock).verify(
            presentation, keyBinding: .required(audience: F.audience, nonce: F.nonce))

        let run = try ReferencePython.run(
            Self.script, arguments: ["verify", Self.jwk(issuer), presentation.serialization, F.audience, F.nonce])
        #expect(run.status == 0, "\(run.error)")
        let theirs = try JSONValue(parsing: try #require(run.lines.last, "\(run.error)"))
        #expect(theirs == .object(ours.claims))
        #expect(theirs["battery"] == ["manufacturer": ["site": "Plant 3 Skelleftea"]])
        #expect(theirs["recycledContent"] == ["nickel 6 percent"])

        // The reference refuses the same presentation for another nonce or audience, and with another issuer key.
        for arguments in [
            [Self.jwk(issuer), presentation.serialization, F.audience, "another-nonce"],
            [Self.jwk(issuer), presentation.serialization, "https://other.example", F.nonce],
            [Self.jwk(SoftwareSigner.generate(issuerAlgorithm)), presentation.serialization, F.audience, F.nonce],
        ] {
            #expect(try ReferencePython.run(Self.script, arguments: ["verify"] + arguments).status != 0)
        }
    }

    /// A W3C credential secured as vc+sd-jwt (VC-JOSE-COSE) and presented with key binding: the
    /// reference reads it as any SD-JWT (it does not look at `typ`, so `vc+sd-jwt` needs no relaxing).
    @Test func theReferenceVerifiesOurCredentialPresentations() async throws {
        let signer = SoftwareSigner.generate(.ed25519)
        let issuer = try CredentialIssuer(didKeySigner: signer)
        let document: JSONObject = [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:pack-7", "type": ["VerifiableCredential"],
            "issuer": .string(issuer.did), "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": [
                "id": .string(DIDKey.did(for: Self.holder.verificationKey)), "capacityKWh": 75, "chemistry": "NMC 811 pouch cells",
                "manufacturer": ["name": "Voltcell Works", "site": "Plant 3 Skelleftea"],
            ],
        ]
        let issued = try await issuer.issueSDJWT(document)
        let presented = try await issued.present(
            disclosing: ["/credentialSubject/manufacturer"], challenge: F.nonce, domain: F.audience, issuedAt: Date(), signer: Self.holder)
        #expect(presented.sdJWT.issuerSigned.header["typ"] == "vc+sd-jwt")

        let run = try ReferencePython.run(Self.script, arguments: ["verify", Self.jwk(signer), presented.serialization, F.audience, F.nonce])
        #expect(run.status == 0, "\(run.error)")
        let theirs = try JSONValue(parsing: try #require(run.lines.last, "\(run.error)"))
        #expect(theirs == .object(presented.document))
        #expect(theirs["credentialSubject"]?["manufacturer"] == ["name": "Voltcell Works", "site": "Plant 3 Skelleftea"])
        #expect(theirs["credentialSubject"]?["chemistry"] == nil && theirs["credentialSubject"]?["capacityKWh"] == nil)
        #expect(try ReferencePython.run(Self.script, arguments: ["verify", Self.jwk(signer), presented.serialization, F.audience, "replayed"]).status != 0)
    }

    @Test func weVerifyWhatTheReferenceIssuesAndItsHolderPresents() async throws {
        let issuer = SoftwareSigner.generate(.p256)
        var claims = F.claims
        claims["vct"] = .string(F.credential.type)
        claims["iss"] = .string(F.credential.issuer)
        let disclose: JSONValue = [
            "tariffCode": true, "origin": false, "battery": ["manufacturer": ["site": true]], "recycledContent": [false, true],
        ]
        let run = try ReferencePython.run(
            Self.script,
            arguments: [
                "issue", Self.jwk(issuer, withSecret: true), Self.jwk(Self.holder, withSecret: true), JSONValue.object(claims).serializedString(),
                JSONValue.array(F.disclosable.map(JSONValue.string)).serializedString(), disclose.serializedString(), F.audience, F.nonce,
            ])
        let presentation = try #require(run.lines.last, "\(run.error)")
        #expect(run.status == 0, "\(run.error)")

        let verifier = SDJWTVerifier.credentials(issuerKey: .key(issuer.verificationKey))
        let verified = try await verifier.verify(presentation, keyBinding: .required(audience: F.audience, nonce: F.nonce))
        #expect(verified.claims["tariffCode"] == "8507 60 00")
        #expect(verified.claims["origin"] == nil && verified.claims["declaredValue"] == nil)
        #expect(verified.claims["battery"] == ["manufacturer": ["site": "Plant 3 Skelleftea"]])
        #expect(verified.claims["recycledContent"] == ["lithium 6 percent"])
        #expect(verified.claims["cnf"] == ["jwk": .object(Self.holder.verificationKey.jwk)])
        #expect(verified.disclosedPaths == ["/battery/manufacturer", "/battery/manufacturer/site", "/recycledContent/0", "/tariffCode"])

        // Its KB-JWT, replayed for another nonce, is refused.
        #expect(try SDJWT(parsing: presentation).keyBinding?.header["typ"] == "kb+jwt")
        #expect(await failureCode { _ = try await verifier.verify(presentation, keyBinding: .required(audience: F.audience, nonce: "replayed")) } == "sd_jwt_nonce_mismatch")
    }
}
