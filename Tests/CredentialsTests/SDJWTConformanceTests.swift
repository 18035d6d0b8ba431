import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// REQ-F05: every k of N claims revealed verifies and shows exactly those claims, the verifier's
/// view holds nothing of the claims left unrevealed (salted digests only, no value-dependent
/// lengths), and every way of tampering with a presentation is rejected with its code.
@Suite struct SDJWTConformanceTests {
    typealias F = SDJWTFixtures

    /// Six claims whose values cannot occur by chance in base64url text (they hold spaces).
    static let fields: [(name: String, value: String)] = [
        ("tariffCode", "HS 8507 60 00"), ("origin", "country SE"), ("declaredValue", "EUR 4350 50"),
        ("chemistry", "NMC 811 pouch"), ("capacity", "96 kWh gross"), ("recycler", "Northvolt Revolt AB"),
    ]
    static let required = SDJWTKeyBindingRequirement.required(audience: F.audience, nonce: F.nonce)

    static func holder(
        values: [String] = fields.map(\.value), decoys: ClosedRange<Int> = 2...4, signer: some Signer = F.issuer
    ) async throws -> SDJWTHolder {
        var claims = JSONObject()
        for (field, value) in zip(fields, values) { claims[field.name] = .string(value) }
        let sdJWT = try await SDJWTIssuer(decoyDigests: decoys).issue(
            F.credential, claims: claims, disclosable: fields.map { "/" + $0.name }, holderKey: F.holder.verificationKey,
            signer: signer)
        return try SDJWTHolder(sdJWT)
    }

    static func present(_ holder: SDJWTHolder, _ names: [String], nonce: String = F.nonce, audience: String = F.audience) async throws -> SDJWT {
        try await holder.present(
            try holder.disclosures(revealing: names.map { "/" + $0 }), audience: audience, nonce: nonce, issuedAt: F.now, signer: F.holder)
    }

    /// Everything the verifier receives in readable form: the compact text, the decoded JWT
    /// header and payload, the decoded disclosures and the KB-JWT payload.
    static func verifierView(_ presentation: SDJWT) -> String {
        var parts = [presentation.serialization]
        parts.append(JSONValue.object(presentation.issuerSigned.header).serializedString())
        parts.append(String(decoding: presentation.issuerSigned.payload, as: UTF8.self))
        for disclosure in presentation.disclosures { parts.append(String(decoding: (try? Base64URL.decode(disclosure.encoded)) ?? [], as: UTF8.self)) }
        if let keyBinding = presentation.keyBinding { parts.append(String(decoding: keyBinding.payload, as: UTF8.self)) }
        return parts.joined(separator: "\n")
    }

    @Test func everySubsetOfSixClaimsVerifiesAndShowsOnlyThoseClaims() async throws {
        let holder = try await Self.holder()
        let verifier = F.verifier()
        var subsets = 0
        for mask in 1..<(1 << Self.fields.count) - 1 {
            let shown = Self.fields.indices.filter { mask & (1 << $0) != 0 }.map { Self.fields[$0] }
            let hidden = Self.fields.filter { field in !shown.contains { $0.name == field.name } }
            let presentation = try await Self.present(holder, shown.map(\.name))
            let verified = try await verifier.verify(presentation.serialization, keyBinding: Self.required)
            for field in shown { #expect(verified.claims[field.name] == .string(field.value)) }
            for field in hidden { #expect(verified.claims[field.name] == nil) }
            #expect(verified.disclosedPaths == shown.map { "/" + $0.name }.sorted())
            let view = Self.verifierView(presentation)
            for field in hidden {
                #expect(!view.contains(field.value), "mask \(mask) shows \(field.name)")
                #expect(!view.contains("\"\(field.name)\""), "mask \(mask) names \(field.name)")
            }
            subsets += 1
        }
        #expect(subsets == 62)
    }

    @Test func unrevealedValuesDoNotChangeWhatTheVerifierReceives() async throws {
        // Two credentials alike but for one value, short in one and long in the other, with as many
        // decoys each: presentations revealing the other five have the same length (Ed25519
        // signatures are of fixed size) and show no trace of the value.
        let signer = SoftwareSigner.generate(.ed25519)
        var long = Self.fields.map(\.value)
        long[5] = String(repeating: "long recycler name ", count: 40)
        let revealed = Self.fields.prefix(5).map(\.name)
        let short = try await Self.present(try await Self.holder(decoys: 3...3, signer: signer), revealed)
        let longer = try await Self.present(try await Self.holder(values: long, decoys: 3...3, signer: signer), revealed)
        #expect(short.disclosures.count == 5)
        #expect(short.serialization.utf8.count == longer.serialization.utf8.count)
        #expect(!Self.verifierView(longer).contains("recycler name"))
    }

    @Test func tamperedPresentationsAreRejectedWithTheirCode() async throws {
        let holder = try await Self.holder()
        let verifier = F.verifier()
        let presentation = try await Self.present(holder, ["tariffCode", "origin", "declaredValue"])
        let parts = presentation.serialization.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
        let jwt = parts[0]
        let kb = parts[parts.count - 1]
        let disclosures = Array(parts[1..<(parts.count - 1)])
        func code(_ text: String, _ requirement: SDJWTKeyBindingRequirement = Self.required) async -> String? {
            await failureCode { _ = try await verifier.verify(text, keyBinding: requirement) }
        }
        /// `disclosures` presented with a fresh, correct KB-JWT, so only the change itself can fail.
        func rebound(_ disclosures: [String]) async throws -> String {
            let unbound = ([jwt] + disclosures).joined(separator: "~") + "~"
            let sdJWT = try SDJWT(parsing: unbound)
            let keyBinding = try await SDJWTKeyBinding.sign(sdJWT, audience: F.audience, nonce: F.nonce, issuedAt: F.now, signer: F.holder)
            return unbound + keyBinding.serialization
        }
        #expect(await code(presentation.serialization) == nil)
        #expect(await code(try await rebound(disclosures)) == nil)

        // A changed disclosure: same salt and name, another value; its digest is nowhere.
        let original = try SDJWTDisclosure(parsing: disclosures[0])
        let changed = SDJWTDisclosure(salt: original.salt, claimName: original.claimName, value: "forged").encoded
        #expect(await code(try await rebound([changed] + disclosures.dropFirst())) == "sd_jwt_disclosure_unreferenced")
        // A dropped claim the holder passes off with a disclosure of another credential.
        let other = try await Self.holder()
        let smuggled = try #require(other.sdJWT.disclosures.first { $0.claimName == "recycler" }).encoded
        #expect(await code(try await rebound(disclosures + [smuggled])) == "sd_jwt_disclosure_unreferenced")
        // A disclosure given twice.
        #expect(await code(([jwt] + disclosures + [disclosures[1]]).joined(separator: "~") + "~" + kb) == "sd_jwt_digest_duplicate")
        // A disclosure dropped after the KB-JWT was made: sd_hash covers the old selection.
        #expect(await code(([jwt] + disclosures.dropLast()).joined(separator: "~") + "~" + kb) == "sd_jwt_sd_hash_mismatch")
        // One added after: the same.
        let added = try #require(holder.sdJWT.disclosures.first { $0.claimName == "recycler" }).encoded
        #expect(await code(([jwt] + disclosures + [added]).joined(separator: "~") + "~" + kb) == "sd_jwt_sd_hash_mismatch")
        // The KB-JWT replayed to a verifier with another nonce, or to another verifier.
        #expect(await code(presentation.serialization, .required(audience: F.audience, nonce: "fresh-nonce")) == "sd_jwt_nonce_mismatch")
        #expect(await code(presentation.serialization, .required(audience: "https://other.example", nonce: F.nonce)) == "sd_jwt_audience_mismatch")
        // A KB-JWT made by another key than cnf.jwk.
        let foreign = try await SDJWTKeyBinding.sign(
            try SDJWT(parsing: presentation.keyBindingInput), audience: F.audience, nonce: F.nonce, issuedAt: F.now,
            signer: SoftwareSigner.generate(.ed25519))
        #expect(await code(presentation.keyBindingInput + foreign.serialization) == "sd_jwt_key_binding_invalid")
        // A KB-JWT of the wrong type, or with alg none.
        let kbPayload = JSONValue.object(try #require(try JSONValue(parsing: presentation.keyBinding?.payload ?? []).objectValue))
        let wrongType = try await F.jws(header: ["alg": "EdDSA", "typ": "jwt"], payload: kbPayload, signer: F.holder)
        #expect(await code(presentation.keyBindingInput + wrongType) == "sd_jwt_key_binding_invalid")
        let unsigned = Base64URL.encode(Array(#"{"alg":"none","typ":"kb+jwt"}"#.utf8)) + "." + Base64URL.encode(kbPayload.serialized()) + "."
        #expect(await code(presentation.keyBindingInput + unsigned) == "sd_jwt_key_binding_invalid")
        // The KB-JWT stripped.
        #expect(await code(presentation.keyBindingInput) == "sd_jwt_key_binding_missing")

        // The issuer's signature altered, or its JWT re-signed as alg none.
        let jwtParts = jwt.split(separator: ".").map(String.init)
        var signature = try Base64URL.decode(jwtParts[2])
        signature[10] ^= 0x01
        let altered = jwtParts[0] + "." + jwtParts[1] + "." + Base64URL.encode(signature)
        #expect(await code(presentation.serialization.replacingOccurrences(of: jwt, with: altered)) == "jose_invalid_signature")
        let none = Base64URL.encode(Array(#"{"alg":"none","typ":"dc+sd-jwt"}"#.utf8)) + "." + jwtParts[1] + "."
        #expect(await code(try await rebound(disclosures).replacingOccurrences(of: jwt, with: none)) == "jose_unsupported_algorithm")
        // The payload changed under the signature (a digest removed).
        var payload = presentation.payload
        payload["_sd"] = .array(Array(try #require(payload["_sd"]?.arrayValue).dropFirst()))
        let rewritten = jwtParts[0] + "." + Base64URL.encode(JSONValue.object(payload).serialized()) + "." + jwtParts[2]
        #expect(await code(presentation.serialization.replacingOccurrences(of: jwt, with: rewritten)) == "jose_invalid_signature")
        // Signed by another issuer.
        let impostor = try await Self.holder(signer: SoftwareSigner.generate(.p256))
        #expect(await code(try await Self.present(impostor, ["origin"]).serialization) == "jose_invalid_signature")
    }

    @Test func aNestedClaimWithoutItsEnclosingDisclosureIsRejected() async throws {
        let holder = try SDJWTHolder(try await F.issueCredential())
        let site = try #require(holder.sdJWT.disclosures.first { $0.claimName == "site" })
        let orphan = holder.sdJWT.issuerSigned.serialization + "~" + site.encoded + "~"
        #expect(await failureCode { _ = try await F.verifier().verify(orphan, keyBinding: .notRequired) } == "sd_jwt_disclosure_unreferenced")
    }
}
