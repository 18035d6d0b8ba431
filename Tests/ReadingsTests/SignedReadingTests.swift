import COSE
import Encoding
import Foundation
import Identity
import Readings
import Testing
import VectorSupport

@Suite struct SignedReadingTests {
    @Test(arguments: KeyAlgorithm.allCases)
    func signAndVerify(algorithm: KeyAlgorithm) async throws {
        let signer = SoftwareSigner.generate(algorithm)
        let signed = try await SignedReading.sign(ReadingFixtures.reading(), keyID: [0x01], signer: signer)
        #expect(signed.encoded.first == 0xD2)
        #expect(signed.message.signature.count == algorithm.signatureLength)
        #expect(try signed.message.algorithm() == COSEAlgorithm(keyAlgorithm: algorithm))
        let verified = try SignedReading.verify(signed.encoded, key: signer.verificationKey)
        #expect(verified.reading == ReadingFixtures.reading())
        #expect(verified.message.keyID == [0x01])
        // Untagged works as well.
        _ = try SignedReading.verify(signed.message.encoded(tagged: false), key: signer.verificationKey)
    }

    /// The signed example in docs/readings.md (made by pycose with the RFC 8032 test-1 key), byte for byte.
    @Test func documentedSignedExample() async throws {
        let seed = try Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let signer = try SoftwareSigner(algorithm: .ed25519, secretKey: seed)
        let signed = try await SignedReading.sign(ReadingFixtures.reading(), signer: signer)
        #expect(
            Vectors.hex(signed.encoded)
                == "d28443a10127a05880ae000101782575726e3a65756470703a626174746572793a64653a6578616d706c653a32303234"
                + "3a303031025820000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0319131b0419037005"
                + "1902d0061904df071a00055f00081a00061a80091a0005f0500a000b1908980c1909c40d1a02e7ddb05840cbe9ca8b89"
                + "a64b1719e57320fe113049ebb25a53197d6609090990b59c18a5be59a0c6c079fd751c198d6d6b7029d29339ea207c6a"
                + "0958194efdc5225898c00f")
    }

    @Test func wrongKeyOrTamperingFails() async throws {
        let signer = SoftwareSigner.generate(.ed25519)
        let bytes = try await SignedReading.sign(ReadingFixtures.reading(), signer: signer).encoded
        let other = SoftwareSigner.generate(.ed25519).verificationKey
        #expect((#expect(throws: COSEError.self) { try SignedReading.verify(bytes, key: other) })?.kind == .signatureInvalid)
        let p256 = SoftwareSigner.generate(.p256).verificationKey
        #expect((#expect(throws: COSEError.self) { try SignedReading.verify(bytes, key: p256) })?.kind == .algorithmMismatch)
        // Flip one bit in the payload's SoH value: the signature no longer verifies.
        let payload = try ReadingFixtures.reading().payload()
        let sohOffset = try #require(bytes.indices.first { Array(bytes[$0..<min($0 + payload.count, bytes.count)]) == payload })
            + payload.count - 67
        var tampered = bytes
        tampered[sohOffset] ^= 0x01
        #expect((#expect(throws: COSEError.self) { try SignedReading.verify(tampered, key: signer.verificationKey) })?.kind == .signatureInvalid)
    }

    @Test func implausibleReadingIsRejectedAfterItsSignature() async throws {
        let signer = SoftwareSigner.generate(.p256)
        var state = ReadingFixtures.state
        state.stateOfChargePerMille = 1_500
        let bytes = try await SignedReading.sign(ReadingFixtures.reading(state: state), signer: signer).encoded
        let error = #expect(throws: ReadingError.self) { try SignedReading.verify(bytes, key: signer.verificationKey) }
        #expect(error?.kind == .outOfRange)
        // Decoding alone still shows what was signed.
        #expect(try SignedReading(decoding: bytes).reading.state.stateOfChargePerMille == 1_500)
    }

    @Test func detachedOrForeignPayloadIsRejected() async throws {
        let signer = SoftwareSigner.generate(.ed25519)
        let payload = try ReadingFixtures.reading().payload()
        let detached = try await COSESign1.sign(payload: payload, detached: true, signer: signer)
        #expect((#expect(throws: ReadingError.self) { try SignedReading.verify(detached.encoded(), key: signer.verificationKey) })?.kind == .detachedPayload)
        let text = try await COSESign1.sign(payload: Array("hello".utf8), signer: signer)
        #expect((#expect(throws: ReadingError.self) { try SignedReading.verify(text.encoded(), key: signer.verificationKey) })?.kind == .malformed)
    }

    @Test func secureElementNumbersReadings() async throws {
        let directory = try TemporaryDirectory()
        let element = try SoftwareSecureElement.create(.ed25519, at: directory.url.appendingPathComponent("se.json"))
        var counters: [UInt64] = []
        for _ in 0..<3 {
            let signed = try await SignedReading.sign(
                batteryID: ReadingFixtures.batteryID, challenge: ReadingFixtures.challenge, state: ReadingFixtures.state,
                secureElement: element)
            let verified = try SignedReading.verify(signed.encoded, key: element.verificationKey)
            counters.append(verified.reading.counter)
        }
        #expect(counters == [1, 2, 3])
        // A bad challenge is refused before the counter moves.
        await #expect(throws: ReadingError.self) {
            _ = try await SignedReading.sign(batteryID: "b", challenge: [1], state: ReadingFixtures.state, secureElement: element)
        }
        #expect(await element.counter == 3)
    }
}

/// A fresh folder under the temporary directory, removed when released.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-readings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
