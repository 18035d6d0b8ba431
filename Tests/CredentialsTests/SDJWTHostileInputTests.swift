import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@testable import Credentials

/// Hostile SD-JWTs: oversized, deeply nested, malformed parts, disclosures of the wrong shape,
/// digests out of place. Each fails with its code and none crashes.
@Suite struct SDJWTHostileInputTests {
    typealias F = SDJWTFixtures

    static let base: JSONObject = ["iss": "https://issuer.example", "vct": "urn:vct:test", "_sd_alg": "sha-256"]

    /// The code of verifying `text` without key binding.
    static func code(_ text: String) async -> String? {
        await failureCode { _ = try await F.verifier().verify(text, keyBinding: .notRequired) }
    }

    /// The code of an SD-JWT whose payload is `base` with `extra`, carrying `disclosures`.
    static func code(_ extra: JSONObject, _ disclosures: [String] = []) async throws -> String? {
        var payload = base
        for (name, value) in extra { payload[name] = value }
        return await code(try await F.sdJWT(payload: payload, disclosures: disclosures))
    }

    @Test func oversizedAndMisassembledInputIsMalformed() async throws {
        let jwt = try await F.jws(header: ["alg": "ES256", "typ": "dc+sd-jwt"], payload: .object(Self.base))
        #expect(await Self.code(jwt + "~") == nil)
        #expect(await Self.code(jwt + "~" + String(repeating: "A", count: SDJWT.maximumSize)) == "sd_jwt_too_large")
        #expect(await Self.code(jwt) == "sd_jwt_malformed")
        #expect(await Self.code("") == "sd_jwt_malformed")
        #expect(await Self.code(jwt + String(repeating: "~", count: 100_000)) == "sd_jwt_malformed")
        #expect(await Self.code("~~") == "jose_malformed")
        #expect(await Self.code("not.a.jwt~") == "jose_malformed")
        #expect(await Self.code("e30.e30~") == "jose_malformed")
        #expect(await Self.code(jwt.replacingOccurrences(of: ".", with: ".*") + "~") == "jose_malformed")
        #expect(await Self.code(jwt + "~$$$~") == "sd_jwt_disclosure_malformed")
        #expect(await Self.code(jwt + "~not a kb jwt") == "sd_jwt_key_binding_invalid")
        // Payloads that are no JSON object.
        let array = try await F.jws(header: ["alg": "ES256", "typ": "dc+sd-jwt"], payload: [1, 2])
        #expect(await Self.code(array + "~") == "sd_jwt_malformed")
        let input = Base64URL.encode(Array(#"{"alg":"ES256","typ":"dc+sd-jwt"}"#.utf8)) + "." + Base64URL.encode(Array("{\"a\":".utf8))
        let truncated = input + "." + Base64URL.encode(try await F.issuer.sign(Array(input.utf8)))
        #expect(await Self.code(truncated + "~") == "sd_jwt_malformed")
        #expect(try await Self.code(["_sd_alg": "md5"]) == "sd_jwt_unsupported_sd_alg")
        #expect(try await Self.code(["_sd_alg": 256]) == "sd_jwt_unsupported_sd_alg")
    }

    @Test func deepNestingIsBounded() async throws {
        var deep: JSONValue = "bottom"
        for _ in 0..<200 { deep = ["a": deep] }
        #expect(try await Self.code(["deep": deep]) == "sd_jwt_malformed")
        var array: JSONValue = 1
        for _ in 0..<200 { array = [array] }
        #expect(try await Self.code(["deep": array]) == "sd_jwt_malformed")

        // Each disclosure is shallow, but each holds the digest of the next: 80 levels in all.
        var disclosures: [String] = []
        var digest: String?
        for level in 0..<80 {
            let value: JSONValue = digest.map { ["_sd": [.string($0)]] } ?? "bottom"
            let disclosure = F.disclosure([.string("salt-\(level)"), "a", value])
            disclosures.append(disclosure)
            digest = F.digest(disclosure)
        }
        #expect(try await Self.code(["_sd": [.string(digest ?? "")]], disclosures) == "sd_jwt_malformed")
        #expect(try await Self.code(["_sd": [.string(digest ?? "")]], Array(disclosures.prefix(30))) == "sd_jwt_disclosure_unreferenced")
        // The issuer refuses to nest deeper than it lets a verifier read.
        #expect(await failureCode { _ = try await SDJWTIssuer().issue(claims: ["deep": deep], disclosable: [], signer: F.issuer) } == "sd_jwt_malformed")
    }

    @Test func disclosuresOfTheWrongShapeAreMalformed() async throws {
        for shape: JSONValue in [
            ["salt"], ["salt", "name", "value", "extra"], [], "salt", ["salt": "name"], [1, "name", "value"], ["salt", 2, "value"],
            [.null, "value"],
        ] {
            let disclosure = F.disclosure(shape)
            #expect(try await Self.code(["_sd": [.string(F.digest(disclosure))]], [disclosure]) == "sd_jwt_disclosure_malformed", "\(shape)")
        }
        // Not base64url, or base64url of something that is not JSON.
        #expect(try await Self.code([:], ["WyJzYWx0IiwgImEiLCAxXQ=="]) == "sd_jwt_disclosure_malformed")
        #expect(try await Self.code([:], [Base64URL.encode(Array("[\"salt\", \"a\"".utf8))]) == "sd_jwt_disclosure_malformed")
        #expect(try await Self.code([:], [Base64URL.encode([0xFF, 0xFE])]) == "sd_jwt_disclosure_malformed")
        // A member's disclosure where an array element's belongs, and the other way round.
        let member = F.disclosure(["salt", "name", "value"])
        let element = F.disclosure(["salt", "value"])
        #expect(try await Self.code(["list": [["...": .string(F.digest(member))]]], [member]) == "sd_jwt_disclosure_malformed")
        #expect(try await Self.code(["_sd": [.string(F.digest(element))]], [element]) == "sd_jwt_disclosure_malformed")
    }

    @Test func digestsOutOfPlaceAreRejected() async throws {
        #expect(try await Self.code(["_sd": "digest"]) == "sd_jwt_malformed")
        #expect(try await Self.code(["_sd": ["a": "digest"]]) == "sd_jwt_malformed")
        #expect(try await Self.code(["_sd": [42]]) == "sd_jwt_malformed")
        #expect(try await Self.code(["nested": ["_sd": [.null]]]) == "sd_jwt_malformed")
        #expect(try await Self.code(["list": [["...": 42]]]) == "sd_jwt_malformed")
        // A digest twice, in one `_sd` or in two places, decoys included.
        let disclosure = F.disclosure(["salt", "name", "value"])
        let digest = JSONValue.string(F.digest(disclosure))
        #expect(try await Self.code(["_sd": [digest, digest]], [disclosure]) == "sd_jwt_digest_duplicate")
        #expect(try await Self.code(["_sd": [digest], "nested": ["_sd": [digest]]], [disclosure]) == "sd_jwt_digest_duplicate")
        #expect(try await Self.code(["_sd": ["decoy", "decoy"]]) == "sd_jwt_digest_duplicate")
        #expect(try await Self.code(["list": [["...": "decoy"], ["...": "decoy"]]]) == "sd_jwt_digest_duplicate")
        // A disclosure referenced by nothing.
        #expect(try await Self.code([:], [disclosure]) == "sd_jwt_disclosure_unreferenced")
        // An object with `...` beside other members is an ordinary object, not a digest.
        #expect(try await Self.code(["list": [["...": "x", "other": 1]]]) == nil)
    }

    @Test func disclosedNamesMayNotCollide() async throws {
        for name in ["_sd", "...", "iss"] {
            let disclosure = F.disclosure(["salt", .string(name), "value"])
            #expect(try await Self.code(["_sd": [.string(F.digest(disclosure))]], [disclosure]) == "sd_jwt_claim_collision", "\(name)")
        }
        let first = F.disclosure(["salt-1", "name", "one"])
        let second = F.disclosure(["salt-2", "name", "two"])
        #expect(
            try await Self.code(["_sd": [.string(F.digest(first)), .string(F.digest(second))]], [first, second]) == "sd_jwt_claim_collision")
    }

    @Test func mutatedPresentationsNeverCrash() async throws {
        let holder = try SDJWTHolder(try await F.issueCredential(decoys: 1...2))
        let presentation = try await holder.present(
            try holder.disclosures(revealing: ["/battery", "/origin"]), audience: F.audience, nonce: F.nonce, issuedAt: F.now,
            signer: F.holder
        ).serialization
        let alphabet = Array("ABCxyz019-_~.=\"{}[]".utf8)
        var random = SeededRandom(seed: 15)
        var rejected = 0
        for _ in 0..<150 {
            var bytes = Array(presentation.utf8)
            for _ in 0..<Int(random.next() % 3 + 1) {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                }
            }
            let code = await failureCode {
                _ = try await F.verifier().verify(
                    String(decoding: bytes, as: UTF8.self), keyBinding: .required(audience: F.audience, nonce: F.nonce))
            }
            if let code {
                #expect(code.hasPrefix("sd_jwt_") || code.hasPrefix("jose_"), "\(code)")
                rejected += 1
            }
        }
        #expect(rejected > 100)
    }
}
