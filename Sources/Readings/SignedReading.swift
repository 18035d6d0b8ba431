import COSE
import Encoding
import Identity

/// A BMS reading signed as COSE_Sign1 (RFC 9052) by the battery's secure element: the payload is the
/// deterministic CBOR of a `Reading`, the protected header carries the algorithm (EdDSA or ES256).
public struct SignedReading: Sendable, Hashable {
    /// The COSE_Sign1 message.
    public let message: COSESign1
    /// The reading decoded from its payload.
    public let reading: Reading

    /// The message as sent: tagged COSE_Sign1 bytes.
    public var encoded: [UInt8] { message.encoded() }

    /// Signs `reading` (whose counter the caller chose) with `signer`.
    public static func sign(_ reading: Reading, keyID: [UInt8]? = nil, signer: some Signer) async throws -> SignedReading {
        let message = try await COSESign1.sign(
            payload: try reading.payload(), unprotectedHeaders: headers(keyID), signer: signer)
        return SignedReading(message: message, reading: reading)
    }

    /// Reads `state` and signs it with the secure element, whose next counter value goes into the
    /// reading (the counter is persisted before the signature exists).
    public static func sign(
        batteryID: String, challenge: [UInt8], state: BatteryState, keyID: [UInt8]? = nil,
        secureElement: SoftwareSecureElement
    ) async throws -> SignedReading {
        let unprotected = headers(keyID)
        let (protectedHeaders, protectedBytes) = try COSESign1.prepareProtected(
            COSEHeaders(), unprotected, algorithm: COSEAlgorithm(keyAlgorithm: secureElement.algorithm))
        // Check the fields before the counter moves.
        _ = try Reading(batteryID: batteryID, challenge: challenge, counter: 0, state: state).payload()
        let signed = try await secureElement.signCounted { counter in
            let payload = try Reading(batteryID: batteryID, challenge: challenge, counter: counter, state: state).payload()
            return COSESign1.signatureStructure(protectedBytes: protectedBytes, externalAAD: [], payload: payload)
        }
        let reading = Reading(batteryID: batteryID, challenge: challenge, counter: signed.counter, state: state)
        let message = try COSESign1.assemble(
            protectedBytes: protectedBytes, protectedHeaders: protectedHeaders, unprotectedHeaders: unprotected,
            payload: try reading.payload(), signature: signed.signature)
        return SignedReading(message: message, reading: reading)
    }

    private init(message: COSESign1, reading: Reading) {
        self.message = message
        self.reading = reading
    }

    /// Parses a signed reading (tagged or untagged COSE_Sign1) and decodes its payload, without
    /// verifying the signature or the ranges. Throws `COSEError` or `ReadingError`.
    public init(decoding bytes: [UInt8]) throws {
        let message = try COSESign1(decoding: bytes)
        guard let payload = message.payload else {
            throw ReadingError(.detachedPayload, "a signed reading carries its payload")
        }
        self.init(message: message, reading: try Reading(payload: payload))
    }

    /// Verifies a signed reading on its own: the COSE signature against `key` (the battery's BMS key),
    /// the payload's format, and the physical ranges. Checks that need history (counter, SoH trend,
    /// the challenge's commitment) are the acceptance gates' job. Throws `COSEError` or `ReadingError`.
    public static func verify(_ bytes: [UInt8], key: PublicKey) throws -> SignedReading {
        let message = try COSESign1(decoding: bytes)
        guard let payload = message.payload else {
            throw ReadingError(.detachedPayload, "a signed reading carries its payload")
        }
        try message.verify(with: key)
        let reading = try Reading(payload: payload)
        try reading.state.checkRanges()
        return SignedReading(message: message, reading: reading)
    }

    private static func headers(_ keyID: [UInt8]?) -> COSEHeaders {
        var headers = COSEHeaders()
        if let keyID { headers[COSEHeaders.Label.keyID] = .bytes(keyID) }
        return headers
    }
}
