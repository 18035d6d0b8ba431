import COSE
import Encoding
import Identity
import Readings
import Testing

/// Messages that are not what they claim get a code, never a crash.
@Suite struct COSEHostileInputTests {
    static let signer = SoftwareSigner.generate(.ed25519)

    /// A COSE_Sign1 built by hand from items, signed over `protected` as given.
    static func message(protected: [UInt8], unprotected: CBOR = .map([]), payload: CBOR = .bytes([1])) async throws -> [UInt8] {
        let toBeSigned = COSESign1.signatureStructure(protectedBytes: protected, externalAAD: [], payload: payload.bytesValue ?? [])
        let signature = try await signer.sign(toBeSigned)
        return try CBOR.tagged(18, [.bytes(protected), unprotected, payload, .bytes(signature)]).encode()
    }

    static func kind(_ bytes: [UInt8]) -> COSEError.Kind? {
        (#expect(throws: COSEError.self) { try COSESign1(decoding: bytes).verify(with: signer.verificationKey) })?.kind
    }

    @Test func malformedStructures() throws {
        let items: [CBOR] = [
            [], [.bytes([]), .map([]), .bytes([])], .map([]), .bytes([1]),
            [.text("x"), .map([]), .bytes([]), .bytes([])], [.bytes([]), [], .bytes([]), .bytes([])],
            [.bytes([]), .map([]), .text("p"), .bytes([])], [.bytes([]), .map([]), .bytes([]), .null],
            [.bytes([0xff]), .map([]), .bytes([]), .bytes([])], [.bytes([0x80]), .map([]), .bytes([]), .bytes([])],
            [.bytes([0xA1, 0x01]), .map([]), .bytes([]), .bytes([])],
            [.bytes([]), .map([.init(.bytes([1]), 1)]), .bytes([]), .bytes([])],
            [.bytes([]), .map([.init(4, "kid as text")]), .bytes([]), .bytes([])],
        ]
        for item in items {
            #expect(Self.kind(try item.encode()) == .malformed, "\(item)")
        }
        // The last one: an unprotected bignum with a leading zero, which has no deterministic encoding.
        let inputs: [[UInt8]] = [
            [], [0xD2], [0xD2, 0x84], [0x9F, 0xFF, 0xFF], [0xA2, 0x01, 0x01, 0x01, 0x02],
            [0xD2, 0x84, 0x40, 0xA1, 0x05, 0xC2, 0x42, 0x00, 0x01, 0x40, 0x40],
        ]
        for bytes in inputs {
            #expect(Self.kind(bytes) == .malformed)
        }
        #expect(Self.kind(try CBOR.tagged(98, [.bytes([]), .map([]), .bytes([]), .bytes([])]).encode()) == .unexpectedTag)
    }

    @Test func headerRules() async throws {
        let alg = try CBOR.map([.init(1, -8)]).encode()
        // alg only in the unprotected bucket is read from there.
        _ = try COSESign1(decoding: try await Self.message(protected: [], unprotected: [1: -8])).verify(with: Self.signer.verificationKey)
        #expect(Self.kind(try await Self.message(protected: [])) == .missingAlgorithm)
        #expect(Self.kind(try await Self.message(protected: alg, unprotected: [1: -8])) == .malformed)
        #expect(Self.kind(try await Self.message(protected: try CBOR.map([.init(1, -8), .init(2, [])]).encode())) == .malformed)
        #expect(Self.kind(try await Self.message(protected: alg, unprotected: [2: [1]])) == .malformed)
        #expect(Self.kind(try await Self.message(protected: try CBOR.map([.init(1, -8), .init(2, [99]), .init(99, 1)]).encode())) == .unknownCriticalHeader)
        #expect(Self.kind(try await Self.message(protected: try CBOR.map([.init(1, -8), .init(2, [3])]).encode())) == .malformed)
        // A critical header we understand is fine.
        _ = try COSESign1(decoding: try await Self.message(protected: try CBOR.map([.init(1, -8), .init(2, [4]), .init(4, .bytes([1]))]).encode()))
            .verify(with: Self.signer.verificationKey)
        #expect(Self.kind(try await Self.message(protected: try CBOR.map([.init(1, .float(-8))]).encode())) == .malformed)
    }

    @Test func signingRefusesConflicts() async throws {
        await #expect(throws: COSEError(.algorithmMismatch, "the protected alg -7 does not fit a Ed25519 key")) {
            _ = try await COSESign1.sign(payload: [1], protectedHeaders: [1: -7], signer: Self.signer)
        }
        await #expect(throws: COSEError.self) {
            _ = try await COSESign1.sign(payload: [1], unprotectedHeaders: [1: -8], signer: Self.signer)
        }
    }

    @Test func detachedPayloadAndAAD() async throws {
        let payload: [UInt8] = Array("detached".utf8)
        let message = try await COSESign1.sign(payload: payload, externalAAD: [9], detached: true, signer: Self.signer)
        #expect(message.payload == nil)
        let decoded = try COSESign1(decoding: message.encoded())
        let key = Self.signer.verificationKey
        try decoded.verify(with: key, externalAAD: [9], detachedPayload: payload)
        #expect((#expect(throws: COSEError.self) { try decoded.verify(with: key, externalAAD: [9]) })?.kind == .payloadMismatch)
        #expect((#expect(throws: COSEError.self) { try decoded.verify(with: key, detachedPayload: payload) })?.kind == .signatureInvalid)
        #expect(
            (#expect(throws: COSEError.self) { try decoded.verify(with: key, externalAAD: [9], detachedPayload: payload + [0]) })?.kind
                == .signatureInvalid)
        let attached = try await COSESign1.sign(payload: payload, signer: Self.signer)
        #expect((#expect(throws: COSEError.self) { try attached.verify(with: key, detachedPayload: payload) })?.kind == .payloadMismatch)
    }

    @Test func keyTypeMustFitTheAlgorithm() async throws {
        let p256 = SoftwareSigner.generate(.p256)
        let es256 = try await COSESign1.sign(payload: [1], signer: p256)
        #expect(try es256.algorithm() == .es256)
        #expect((#expect(throws: COSEError.self) { try es256.verify(with: Self.signer.verificationKey) })?.kind == .algorithmMismatch)
        try es256.verify(with: p256.verificationKey)
    }

    @Test func coseKeys() throws {
        let ed = Self.signer.verificationKey
        #expect(try COSEKey(cbor: [1: 1, -1: 6, -2: .bytes(ed.rawRepresentation), 2: .bytes([7])]).publicKey == ed)
        #expect(try COSEKey(cbor: [1: 1, -1: 6, -2: .bytes(ed.rawRepresentation), 2: .bytes([7])]).keyID == [7])
        let bad: [(CBOR, COSEError.Kind)] = [
            (.bytes([]), .invalidKey), ([-1: 6, -2: .bytes(ed.rawRepresentation)], .invalidKey),
            ([1: 1, -2: .bytes(ed.rawRepresentation)], .invalidKey), ([1: 1, -1: 6], .invalidKey),
            ([1: 1, -1: 6, -2: .bytes([1, 2, 3])], .invalidKey), ([1: 1, -1: 7, -2: .bytes(Array(repeating: 1, count: 57))], .unsupportedAlgorithm),
            ([1: 2, -1: 1, -2: .bytes(Array(repeating: 1, count: 32)), -3: .bytes(Array(repeating: 2, count: 32))], .invalidKey),
            ([1: 2, -1: 1, -2: .bytes(Array(repeating: 1, count: 32)), -3: true], .unsupportedAlgorithm),
            ([1: 2, -1: 2, -2: .bytes(Array(repeating: 1, count: 48))], .unsupportedAlgorithm),
            ([1: 1, -1: 6, -2: .bytes(ed.rawRepresentation), 2: "kid"], .invalidKey),
        ]
        for (cbor, expected) in bad {
            #expect((#expect(throws: COSEError.self) { try COSEKey(cbor: cbor) })?.kind == expected, "\(cbor)")
        }
    }

    @Test func cwtClaims() async throws {
        let claims = CWTClaims(
            issuer: "did:web:maker.example", subject: "urn:test:pack", expirationTime: 2_000, notBefore: 1_000, issuedAt: 1_000,
            tokenID: [1], otherClaims: [.init(-70_000, "plate")])
        let token = try await CWT.sign(claims, keyID: [5], signer: Self.signer)
        #expect(try CWT.verify(token, key: Self.signer.verificationKey) == claims)
        #expect(try COSESign1(decoding: token).keyID == [5])
        #expect((#expect(throws: CWTError.self) { try claims.checkValidity(at: 999) })?.kind == .notYetValid)
        #expect((#expect(throws: CWTError.self) { try claims.checkValidity(at: 2_000) })?.kind == .expired)
        let reused = CWTClaims(otherClaims: [.init(4, 1)])
        #expect((#expect(throws: CWTError.self) { try reused.encoded() })?.kind == .invalidClaim)
        #expect((#expect(throws: CWTError.self) { try CWTClaims(decoding: [0x80]) })?.kind == .malformed)
        #expect((#expect(throws: CWTError.self) { try CWTClaims(decoding: try CBOR.map([.init(1, 5)]).encode()) })?.kind == .invalidClaim)
        #expect((#expect(throws: CWTError.self) { try CWTClaims(decoding: try CBOR.map([.init(4, 1.5)]).encode()) })?.kind == .invalidClaim)
        #expect(try CWTClaims(decoding: try CBOR.tagged(61, [4: 2.0]).encode()).expirationTime == 2)
    }
}
