import Encoding
import Foundation
import Identity
import Synchronization
import Testing
import VectorSupport

@testable import Credentials

/// Keys, claims and helpers shared by the SD-JWT suites.
enum SDJWTFixtures {
    static let issuer = SoftwareSigner.generate(.p256)
    static let holder = SoftwareSigner.generate(.ed25519)
    /// The verifiers' clock: 2025-06-15T16:26:40Z.
    static let now = Date(timeIntervalSince1970: 1_750_004_800)
    static let clock: @Sendable () -> Date = { now }
    static let audience = "https://customs.example/verifier"
    static let nonce = "n-0S6_WzA2Mj"

    /// A battery passport excerpt: plain, nested and array claims.
    static let claims: JSONObject = [
        "battery": [
            "model": "VP-48 traction pack", "chemistry": "NMC 811 pouch cells",
            "manufacturer": ["name": "Voltcell Works", "site": "Plant 3 Skelleftea"],
        ],
        "tariffCode": "8507 60 00", "origin": "Sweden (SE)",
        "declaredValue": ["amount": 4350.5, "currency": "EUR"],
        "recycledContent": ["cobalt 16 percent", "lithium 6 percent", "nickel 6 percent"],
    ]

    static let credential = SDJWTVCClaims(
        type: "https://voltpass.example/vct/battery-passport", issuer: "https://issuer.voltpass.example",
        issuedAt: now.addingTimeInterval(-3600), expiresAt: now.addingTimeInterval(86400),
        status: ["status_list": ["idx": 412, "uri": "https://issuer.voltpass.example/status/1"]])

    /// Every claim of `claims` selectively disclosable, the manufacturer recursively.
    static let disclosable = [
        "/battery/model", "/battery/chemistry", "/battery/manufacturer", "/battery/manufacturer/name",
        "/battery/manufacturer/site", "/tariffCode", "/origin", "/declaredValue", "/recycledContent/0",
        "/recycledContent/1", "/recycledContent/2",
    ]

    static func verifier(key: PublicKey = issuer.verificationKey) -> SDJWTVerifier {
        SDJWTVerifier.credentials(issuerKey: .key(key), now: clock)
    }

    static func issueCredential(
        claims: JSONObject = claims, disclosable: [String] = disclosable, decoys: ClosedRange<Int> = 0...0,
        randomness: SDJWTRandomness = .system
    ) async throws -> SDJWT {
        try await SDJWTIssuer(decoyDigests: decoys, randomness: randomness).issue(
            credential, claims: claims, disclosable: disclosable, holderKey: holder.verificationKey, keyID: "key-1", signer: issuer)
    }

    /// Randomness from a seeded generator, so an issuance can be repeated exactly.
    static func seeded(_ seed: UInt64) -> SDJWTRandomness {
        let generator = Mutex(SeededRandom(seed: seed))
        return SDJWTRandomness { count in generator.withLock { $0.bytes(count: count) } }
    }

    /// A compact JWS over `payload` with `header` as given (its `alg` included), signed by `signer`.
    static func jws(header: JSONObject, payload: JSONValue, signer: some Signer = issuer) async throws -> String {
        let input = Base64URL.encode(JSONValue.object(header).serialized()) + "." + Base64URL.encode(payload.serialized())
        return input + "." + Base64URL.encode(try await signer.sign(Array(input.utf8)))
    }

    /// An SD-JWT over `payload` (signed ES256, `typ: dc+sd-jwt`) carrying `disclosures` as given.
    static func sdJWT(payload: JSONObject, disclosures: [String] = []) async throws -> String {
        let jwt = try await jws(header: ["alg": "ES256", "typ": "dc+sd-jwt"], payload: .object(payload))
        return ([jwt] + disclosures).joined(separator: "~") + "~"
    }

    /// An encoded disclosure of exactly `array`.
    static func disclosure(_ array: JSONValue) -> String {
        Base64URL.encode(array.serialized())
    }

    static func digest(_ disclosure: String) -> String { SDJWTHashAlgorithm.sha256.digest(disclosure) }
}

/// The code `body` fails with, nil when it succeeds.
func failureCode(_ body: () async throws -> Void) async -> String? {
    do {
        try await body()
        return nil
    } catch let error as CredentialError {
        return error.code
    } catch {
        return "\(error)"
    }
}

/// Issuing, presenting and verifying SD-JWT VCs: the payload's shape, recursive and array-element
/// disclosures, decoys, the holder's choice of disclosures, key binding, issuer keys and times.
@Suite struct SDJWTTests {
    typealias F = SDJWTFixtures

    @Test func anIssuedCredentialHasDigestsInPlaceOfEveryDisclosableClaim() async throws {
        let sdJWT = try await F.issueCredential(decoys: 2...3)
        #expect(sdJWT.issuerSigned.header["typ"] == "dc+sd-jwt")
        #expect(sdJWT.issuerSigned.header["kid"] == "key-1")
        #expect(sdJWT.issuerSigned.header["alg"] == "ES256")
        let payload = sdJWT.payload
        #expect(payload["vct"] == .string(F.credential.type))
        #expect(payload["iss"] == .string(F.credential.issuer))
        #expect(payload["iat"] == .number(F.now.timeIntervalSince1970 - 3600))
        #expect(payload["exp"] == .number(F.now.timeIntervalSince1970 + 86400))
        #expect(payload["status"] == .object(try #require(F.credential.status)))
        #expect(payload["cnf"] == ["jwk": .object(F.holder.verificationKey.jwk)])
        #expect(payload["_sd_alg"] == "sha-256")
        #expect(sdJWT.disclosures.count == F.disclosable.count)

        // Top level: tariffCode, origin, declaredValue and 2-3 decoys; battery: model, chemistry,
        // manufacturer and 2-3 decoys; sorted digests of 43 characters.
        for object in [payload, try #require(payload["battery"]?.objectValue)] {
            let digests = try #require(object["_sd"]?.arrayValue).compactMap(\.stringValue)
            #expect((5...6).contains(digests.count))
            #expect(digests == digests.sorted())
            #expect(digests.allSatisfy { $0.count == 43 })
        }
        #expect(payload["tariffCode"] == nil && payload["battery"]?["model"] == nil)
        // The array keeps its three elements as {"...": digest} among 2-3 decoys.
        let elements = try #require(payload["recycledContent"]?.arrayValue)
        #expect((5...6).contains(elements.count))
        #expect(elements.allSatisfy { $0.objectValue?.keys == ["..."] })
        // The manufacturer's disclosure holds digests of its own.
        let manufacturer = try #require(sdJWT.disclosures.first { $0.claimName == "manufacturer" })
        #expect(manufacturer.value["_sd"]?.arrayValue?.count ?? 0 >= 2)
        #expect(sdJWT.disclosures.allSatisfy { (try? Base64URL.decode($0.salt))?.count == 16 })

        let verified = try await F.verifier().verify(sdJWT.serialization, keyBinding: .notRequired)
        var expected = F.credential.registeredClaims
        for (name, value) in F.claims { expected[name] = value }
        expected["cnf"] = ["jwk": .object(F.holder.verificationKey.jwk)]
        #expect(verified.claims == expected)
        #expect(verified.disclosedPaths == F.disclosable.sorted())
    }

    @Test func theHolderPresentsChosenClaimsWithKeyBinding() async throws {
        let holder = try SDJWTHolder(parsing: try await F.issueCredential(decoys: 1...2).serialization)
        #expect(Set(holder.disclosurePaths) == Set(F.disclosable))
        let chosen = try holder.disclosures(revealing: ["/tariffCode", "/battery/manufacturer/site", "/recycledContent/1"])
        #expect(Set(chosen.compactMap(\.claimName)) == ["tariffCode", "manufacturer", "site"])
        let presentation = try await holder.present(
            chosen, audience: F.audience, nonce: F.nonce, issuedAt: F.now.addingTimeInterval(-5), signer: F.holder)

        let verified = try await F.verifier().verify(
            presentation.serialization, keyBinding: .required(audience: F.audience, nonce: F.nonce))
        #expect(verified.claims["tariffCode"] == "8507 60 00")
        #expect(verified.claims["battery"] == ["manufacturer": ["site": "Plant 3 Skelleftea"]])
        #expect(verified.claims["recycledContent"] == ["lithium 6 percent"])
        #expect(verified.claims["origin"] == nil && verified.claims["declaredValue"] == nil)
        #expect(verified.disclosedPaths == ["/battery/manufacturer", "/battery/manufacturer/site", "/recycledContent/0", "/tariffCode"])
        #expect(verified.keyBinding?["aud"] == .string(F.audience))
        #expect(verified.keyBinding?["nonce"] == .string(F.nonce))
        #expect(verified.keyBinding?["iat"] == .number(F.now.timeIntervalSince1970 - 5))
    }

    @Test func revealingAClaimRevealsItWholeAndTheClaimsAroundIt() async throws {
        let holder = try SDJWTHolder(try await F.issueCredential())
        let whole = try holder.disclosures(revealing: ["/battery/manufacturer"])
        #expect(Set(whole.compactMap(\.claimName)) == ["manufacturer", "name", "site"])
        let presented = try holder.present(whole)
        let verified = try await F.verifier().verify(presented, keyBinding: .notRequired)
        #expect(verified.claims["battery"] == ["manufacturer": ["name": "Voltcell Works", "site": "Plant 3 Skelleftea"]])

        // Choosing a nested disclosure alone brings its enclosing one along.
        let site = try #require(holder.sdJWT.disclosures.first { $0.claimName == "site" })
        #expect(Set(try holder.present([site]).disclosures.compactMap(\.claimName)) == ["manufacturer", "site"])
        // A claim in the clear reveals nothing more; a claim that does not exist is refused.
        #expect(try holder.disclosures(revealing: ["/vct"]).isEmpty)
        #expect(await failureCode { _ = try holder.disclosures(revealing: ["/battery/weight"]) } == "sd_jwt_pointer_invalid")
        #expect(await failureCode { _ = try holder.disclosures(revealing: ["battery"]) } == "sd_jwt_pointer_invalid")
        let foreign = SDJWTDisclosure(salt: "c2FsdA", claimName: "origin", value: "Norway")
        #expect(await failureCode { _ = try holder.present([foreign]) } == "sd_jwt_disclosure_unreferenced")
    }

    @Test func noDisclosureAtAllStillVerifies() async throws {
        let holder = try SDJWTHolder(try await F.issueCredential(decoys: 1...1))
        let presented = try await holder.present([], audience: F.audience, nonce: F.nonce, issuedAt: F.now, signer: F.holder)
        #expect(presented.serialization.hasSuffix("~" + (presented.keyBinding?.serialization ?? "-")))
        let verified = try await F.verifier().verify(presented, keyBinding: .required(audience: F.audience, nonce: F.nonce))
        #expect(verified.disclosedPaths.isEmpty)
        #expect(verified.claims["battery"] == [:])
        #expect(verified.claims["recycledContent"] == [])
    }

    @Test func seededRandomnessRepeatsAnIssuanceExactly() async throws {
        let signer = SoftwareSigner.generate(.ed25519)
        func issue() async throws -> String {
            try await SDJWTIssuer(decoyDigests: 1...4, randomness: F.seeded(7)).issue(
                claims: F.claims, disclosable: F.disclosable, header: ["typ": "example+sd-jwt"], signer: signer
            ).serialization
        }
        let first = try await issue()
        #expect(try await issue() == first)
        let other = try await SDJWTIssuer(decoyDigests: 1...4, randomness: F.seeded(8)).issue(
            claims: F.claims, disclosable: F.disclosable, header: ["typ": "example+sd-jwt"], signer: signer)
        #expect(other.serialization != first)
    }

    @Test func injectedSaltsReproduceTheRFCDisclosure() async throws {
        // RFC 9901 §4.2.1: the salt and claim of its Möbius example, in the compact encoding the RFC
        // lists among the equivalent ones.
        let salt = try Base64URL.decode("_26bc4LT-ac6q2KI6cBW5es")
        let sdJWT = try await SDJWTIssuer(randomness: SDJWTRandomness { _ in salt }).issue(
            claims: ["family_name": "Möbius"], disclosable: ["/family_name"], signer: F.issuer)
        let disclosure = try #require(sdJWT.disclosures.first)
        #expect(disclosure.encoded == "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsImZhbWlseV9uYW1lIiwiTcO2Yml1cyJd")
        #expect(sdJWT.payload["_sd"] == [.string(disclosure.digest(.sha256))])
        let parsed = try SDJWTDisclosure(parsing: disclosure.encoded)
        #expect(parsed == disclosure)
    }

    @Test(arguments: SDJWTHashAlgorithm.allCases)
    func everyHashAlgorithmIssuesAndVerifies(algorithm: SDJWTHashAlgorithm) async throws {
        let sdJWT = try await SDJWTIssuer(hashAlgorithm: algorithm).issue(
            F.credential, claims: F.claims, disclosable: F.disclosable, holderKey: F.holder.verificationKey, signer: F.issuer)
        #expect(sdJWT.payload["_sd_alg"] == .string(algorithm.rawValue))
        let holder = try SDJWTHolder(sdJWT)
        let presented = try await holder.present(
            try holder.disclosures(revealing: ["/origin"]), audience: F.audience, nonce: F.nonce, issuedAt: F.now, signer: F.holder)
        let verified = try await F.verifier().verify(presented, keyBinding: .required(audience: F.audience, nonce: F.nonce))
        #expect(verified.claims["origin"] == "Sweden (SE)")
        #expect(verified.keyBinding?["sd_hash"]?.stringValue == algorithm.digest(presented.keyBindingInput))
        #expect(algorithm.digest("").count == [.sha256: 43, .sha384: 64, .sha512: 86][algorithm])
    }

    @Test func theIssuerRefusesPointersItCannotHonour() async throws {
        let issuer = SDJWTIssuer()
        func code(_ pointers: [String], claims: JSONObject = F.claims, holderKey: PublicKey? = nil) async -> String? {
            await failureCode { _ = try await issuer.issue(claims: claims, disclosable: pointers, holderKey: holderKey, signer: F.issuer) }
        }
        #expect(await code(["/battery/weight"]) == "sd_jwt_pointer_invalid")
        #expect(await code(["/recycledContent/3"]) == "sd_jwt_pointer_invalid")
        #expect(await code(["/recycledContent/01"]) == "sd_jwt_pointer_invalid")
        #expect(await code(["origin"]) == "sd_jwt_pointer_invalid")
        #expect(await code(["/origin~2"]) == "sd_jwt_pointer_invalid")
        #expect(await code([""]) == "sd_jwt_pointer_invalid")
        #expect(await code([], claims: ["_sd": []]) == "sd_jwt_claim_collision")
        #expect(await code([], claims: ["list": [["...": "x"]]]) == "sd_jwt_claim_collision")
        #expect(await code([], claims: ["_sd_alg": "sha-256"]) == "sd_jwt_claim_collision")
        #expect(await code([], claims: ["cnf": [:]], holderKey: F.holder.verificationKey) == "sd_jwt_claim_collision")
        // Escaped names are pointed at escaped.
        let escaped = try await issuer.issue(claims: ["a/b": 1, "c~d": 2], disclosable: ["/a~1b", "/c~0d"], signer: F.issuer)
        #expect(Set(try SDJWTHolder(escaped).disclosurePaths) == ["/a~1b", "/c~0d"])

        // An SD-JWT VC keeps its registered claims in the clear and to itself.
        for pointer in ["/iss", "/vct", "/status", "/exp", "/cnf"] {
            #expect(await failureCode { _ = try await F.issueCredential(disclosable: [pointer]) } == "sd_jwt_pointer_invalid", "\(pointer)")
        }
        #expect(await failureCode { _ = try await F.issueCredential(claims: ["vct": "other"]) } == "sd_jwt_claim_collision")
        #expect(await failureCode { _ = try await F.issueCredential(claims: ["cnf": [:]]) } == "sd_jwt_claim_collision")
    }

    @Test func theSDJWTVCProfileChecksTypeAndVct() async throws {
        let payload: JSONObject = ["iss": "https://issuer.example", "iat": 1_750_000_000, "vct": "urn:vct:test", "_sd_alg": "sha-256"]
        let verifier = F.verifier()
        for type in ["dc+sd-jwt", "vc+sd-jwt"] {
            let jwt = try await F.jws(header: ["alg": "ES256", "typ": .string(type)], payload: .object(payload))
            #expect(try await verifier.verify(jwt + "~", keyBinding: .notRequired).claims["vct"] == "urn:vct:test")
        }
        let example = try await F.jws(header: ["alg": "ES256", "typ": "example+sd-jwt"], payload: .object(payload))
        #expect(await failureCode { _ = try await verifier.verify(example + "~", keyBinding: .notRequired) } == "sd_jwt_invalid_type")
        let untyped = try await F.jws(header: ["alg": "ES256"], payload: .object(payload))
        #expect(await failureCode { _ = try await verifier.verify(untyped + "~", keyBinding: .notRequired) } == "sd_jwt_invalid_type")
        var withoutType = payload
        withoutType["vct"] = nil
        #expect(await failureCode { _ = try await verifier.verify(try await F.sdJWT(payload: withoutType), keyBinding: .notRequired) } == "sd_jwt_invalid_type")
        // A plain SD-JWT verifier takes any typ.
        let plain = SDJWTVerifier(issuerKey: .key(F.issuer.verificationKey), now: F.clock)
        #expect(try await plain.verify(example + "~", keyBinding: .notRequired).header["typ"] == "example+sd-jwt")
    }

    @Test func validityTimesAreCheckedWithClockSkew() async throws {
        let verifier = F.verifier()
        let now = F.now.timeIntervalSince1970
        func code(_ extra: JSONObject) async -> String? {
            var payload: JSONObject = ["iss": "https://issuer.example", "vct": "urn:vct:test"]
            for (name, value) in extra { payload[name] = value }
            return await failureCode { _ = try await verifier.verify(try await F.sdJWT(payload: payload), keyBinding: .notRequired) }
        }
        #expect(await code(["exp": .number(now - 30), "nbf": .number(now + 30), "iat": .number(now + 30)]) == nil)
        #expect(await code(["exp": .number(now - 61)]) == "sd_jwt_expired")
        #expect(await code(["nbf": .number(now + 61)]) == "sd_jwt_not_yet_valid")
        #expect(await code(["iat": .number(now + 61)]) == "sd_jwt_not_yet_valid")
        #expect(await code(["exp": "tomorrow"]) == "sd_jwt_malformed")
    }

    @Test func keyBindingIsCheckedOnlyWhenRequired() async throws {
        let holder = try SDJWTHolder(try await F.issueCredential())
        let plain = try holder.present(try holder.disclosures(revealing: ["/origin"]))
        let verifier = F.verifier()
        let required = SDJWTKeyBindingRequirement.required(audience: F.audience, nonce: F.nonce)
        #expect(try await verifier.verify(plain, keyBinding: .notRequired).claims["origin"] == "Sweden (SE)")
        #expect(await failureCode { _ = try await verifier.verify(plain, keyBinding: required) } == "sd_jwt_key_binding_missing")

        func bound(at date: Date) async throws -> SDJWT {
            try await holder.present(plain.disclosures, audience: F.audience, nonce: F.nonce, issuedAt: date, signer: F.holder)
        }
        #expect(await failureCode { _ = try await verifier.verify(try await bound(at: F.now.addingTimeInterval(-400)), keyBinding: required) } == "sd_jwt_key_binding_invalid")
        #expect(await failureCode { _ = try await verifier.verify(try await bound(at: F.now.addingTimeInterval(120)), keyBinding: required) } == "sd_jwt_key_binding_invalid")
        #expect(try await verifier.verify(try await bound(at: F.now.addingTimeInterval(-300)), keyBinding: required).keyBinding != nil)
        // Only the cnf key may bind, and an SD-JWT without cnf cannot be bound.
        let stranger = SoftwareSigner.generate(.ed25519)
        #expect(await failureCode { _ = try await holder.present([], audience: F.audience, nonce: F.nonce, signer: stranger) } == "sd_jwt_key_binding_invalid")
        let unbound = try SDJWTHolder(try await SDJWTIssuer().issue(claims: F.claims, disclosable: ["/origin"], signer: F.issuer))
        #expect(await failureCode { _ = try await unbound.present([], audience: F.audience, nonce: F.nonce, signer: F.holder) } == "sd_jwt_key_binding_invalid")
    }

    @Test func theIssuerKeyIsFoundThroughTheDIDTheKidNames() async throws {
        let signer = SoftwareSigner.generate(.p256)
        let issuer = try CredentialIssuer(didKeySigner: signer)
        let lookup = SDJWTIssuerKeyLookup.did(resolver: MethodDispatchResolver(["key": DIDKeyResolver()]))
        func issue(iss: String, kid: String?) async throws -> SDJWT {
            var credential = F.credential
            credential.issuer = iss
            return try await SDJWTIssuer().issue(credential, claims: F.claims, disclosable: ["/origin"], holderKey: nil, keyID: kid, signer: signer)
        }
        let verifier = SDJWTVerifier.credentials(issuerKey: lookup, now: F.clock)
        let absolute = try await issue(iss: issuer.did, kid: issuer.verificationMethod)
        #expect(try await verifier.verify(absolute, keyBinding: .notRequired).claims["iss"] == .string(issuer.did))
        let fragment = String(issuer.verificationMethod[issuer.verificationMethod.firstIndex(of: "#")!...])
        #expect(try await verifier.verify(try await issue(iss: issuer.did, kid: fragment), keyBinding: .notRequired).claims["origin"] != nil)

        let invalid = "INVALID_VERIFICATION_METHOD"
        #expect(await failureCode { _ = try await verifier.verify(try await issue(iss: issuer.did, kid: nil), keyBinding: .notRequired) } == invalid)
        let other = try CredentialIssuer(didKeySigner: SoftwareSigner.generate(.p256))
        #expect(await failureCode { _ = try await verifier.verify(try await issue(iss: issuer.did, kid: other.verificationMethod), keyBinding: .notRequired) } == invalid)
        // Signed by this key, named as the other issuer's: the other key does not verify it.
        #expect(await failureCode { _ = try await verifier.verify(try await issue(iss: other.did, kid: other.verificationMethod), keyBinding: .notRequired) } == "jose_invalid_signature")
        // A lookup of the caller's sees iss and the header; its own errors become INVALID_VERIFICATION_METHOD.
        struct Unknown: Error {}
        let registry = SDJWTVerifier.credentials(
            issuerKey: SDJWTIssuerKeyLookup { iss, header in
                guard iss == issuer.did, header["kid"]?.stringValue == "#k" else { throw Unknown() }
                return signer.verificationKey
            }, now: F.clock)
        #expect(try await registry.verify(try await issue(iss: issuer.did, kid: "#k"), keyBinding: .notRequired).claims["origin"] != nil)
        #expect(await failureCode { _ = try await registry.verify(try await issue(iss: issuer.did, kid: "#j"), keyBinding: .notRequired) } == invalid)
    }
}
