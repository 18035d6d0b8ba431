import Encoding
import Foundation
import Identity
import Testing

@testable import Credentials

/// Hostile ecdsa-sd-2023 proof values, to a verifier and to a holder deriving: each fails with its
/// code (MALFORMED_PROOF_ERROR for what cannot be read, PROOF_VERIFICATION_ERROR for what reads but
/// does not fit the document), never a crash, and never work out of proportion to the input.
@Suite struct EcdsaSDHostileInputTests {
    /// A derived credential (and its base) to graft hostile proof values onto.
    static func documents() async throws -> (base: JSONObject, derived: JSONObject) {
        let base = try await EcdsaSDTests.issue()
        return (base, try DataIntegrity.deriveSelective(base, selectivePointers: ["/credentialSubject/chemistry"]))
    }

    static func with(_ document: JSONObject, proofValue: JSONValue) throws -> JSONObject {
        document.replacing("proof", with: .object(try #require(document["proof"]?.objectValue).replacing("proofValue", with: proofValue)))
    }

    static func encoded(_ header: [UInt8], _ body: [UInt8]) -> JSONValue {
        .string(Multibase.encode(header + body, as: .base64url))
    }

    static func cbor(_ item: CBOR) throws -> [UInt8] { try item.encode() }

    @Test func unreadableDerivedProofValuesAreMalformed() async throws {
        let (_, derived) = try await Self.documents()
        let value = try #require(derived["proof"]?["proofValue"]?.stringValue)
        let bytes = try Multibase.decode(value).bytes
        let proof = try EcdsaSDTests.derivedProof(derived)
        let header = EcdsaSDProofValue.derivedHeader
        let signature = CBOR.bytes(proof.baseSignature)
        let key = CBOR.bytes(proof.publicKey)
        let labels = CBOR.map(proof.labelMap.map { CBOR.Pair(.unsigned(UInt64($0.key)), .bytes($0.value)) })
        let signatures = CBOR.array(proof.signatures.map { .bytes($0) })
        let nested: [UInt8] = Array(repeating: 0x81, count: 5_000) + [0x00]

        let hostile: [(String, JSONValue)] = [
            ("empty", ""), ("a number", .number(7)), ("base58btc", .string(Multibase.encode(bytes, as: .base58btc))),
            ("not base64url", "u!!!!"), ("the header only", Self.encoded(header, [])),
            ("another header", Self.encoded([0xd9, 0x5d, 0x02], Array(bytes.dropFirst(3)))),
            ("no header", Self.encoded([], Array(bytes.dropFirst(3)))),
            ("truncated", .string(Multibase.encode(bytes.dropLast(5), as: .base64url))),
            ("trailing bytes", .string(Multibase.encode(bytes + [0], as: .base64url))),
            ("four components", Self.encoded(header, try Self.cbor(.array([signature, key, signatures, labels])))),
            ("a short signature", Self.encoded(header, try Self.cbor(.array([.bytes(Array(proof.baseSignature.dropLast())), key, signatures, labels, []])))),
            ("an Ed25519 key", Self.encoded(header, try Self.cbor(.array([signature, .bytes([0xed, 0x01] + Array(repeating: 7, count: 33)), signatures, labels, []])))),
            ("a key off the curve", Self.encoded(header, try Self.cbor(.array([signature, .bytes([0x80, 0x24, 0x02] + Array(repeating: 0xff, count: 32)), signatures, labels, []])))),
            ("a label key past 2^32", Self.encoded(header, try Self.cbor(.array([signature, key, signatures, [.unsigned(1 << 40): .bytes(Array(repeating: 1, count: 32))], []])))),
            ("a short label", Self.encoded(header, try Self.cbor(.array([signature, key, signatures, [0: .bytes([1])], []])))),
            ("decreasing mandatory indexes", Self.encoded(header, try Self.cbor(.array([signature, key, signatures, labels, [2, 1]])))),
            ("text for signatures", Self.encoded(header, try Self.cbor(.array([signature, key, "signatures", labels, []])))),
            // An array claiming 2^32 signatures in a few bytes, nesting 5,000 deep, an array never closed.
            ("a huge array", Self.encoded(header, [0x85, 0x58, 0x40] + proof.baseSignature + [0x58, 0x23] + proof.publicKey + [0x9b, 0, 0, 0, 1, 0, 0, 0, 0])),
            ("deep nesting", Self.encoded(header, [0x85] + nested)),
            ("an unclosed array", Self.encoded(header, [0x9f] + Array(repeating: 0x40, count: 1_000))),
            ("a proof value of 8 MiB", .string("u" + String(repeating: "A", count: EcdsaSDProofValue.maxLength))),
        ]
        for (name, proofValue) in hostile {
            let document = try Self.with(derived, proofValue: proofValue)
            let error = await #expect(throws: CredentialError.self, "\(name)") { try await EcdsaSDTests.verify(document) }
            #expect(error?.code == "MALFORMED_PROOF_ERROR", "\(name): \(String(describing: error))")
            #expect(error?.path == "/proof/proofValue", "\(name)")
        }

        // Readable, but not this document's: a mandatory index past the statements revealed.
        var beyond = proof
        beyond.mandatoryIndexes.append(10_000)
        await expectError("PROOF_VERIFICATION_ERROR", path: "/proof/proofValue") {
            try await EcdsaSDTests.verify(try EcdsaSDTests.replacingProof(derived, with: beyond))
        }
    }

    @Test func unreadableBaseProofValuesAreMalformedForTheHolder() async throws {
        let (base, _) = try await Self.documents()
        let value = try #require(base["proof"]?["proofValue"]?.stringValue)
        let bytes = try Multibase.decode(value).bytes
        let signature = CBOR.bytes(Array(bytes[6..<70]))
        let key = CBOR.bytes([0x80, 0x24] + Array(repeating: 2, count: 33))
        // Truncated, a short HMAC key, pointers that are not text, no string at all.
        for proofValue in [
            JSONValue.string(Multibase.encode(bytes.dropLast(9), as: .base64url)),
            Self.encoded(EcdsaSDProofValue.baseHeader, try Self.cbor(.array([signature, key, .bytes([1]), [], []]))),
            Self.encoded(EcdsaSDProofValue.baseHeader, try Self.cbor(.array([signature, key, .bytes(Array(repeating: 1, count: 32)), [], [1]]))),
            .null,
        ] {
            await expectError("MALFORMED_PROOF_ERROR", path: "/proof/proofValue") {
                _ = try DataIntegrity.deriveSelective(try Self.with(base, proofValue: proofValue), selectivePointers: [])
            }
        }
        // Mandatory pointers in the proof that name nothing in this document.
        guard case .base(var parsed) = try EcdsaSDProofValue(parsing: value, path: "") else { return }
        parsed.mandatoryPointers = ["/credentialSubject/nothing"]
        await expectError("selective_disclosure_pointer_invalid", path: nil) {
            _ = try DataIntegrity.deriveSelective(try Self.with(base, proofValue: .string(parsed.proofValue)), selectivePointers: [])
        }
    }
}
