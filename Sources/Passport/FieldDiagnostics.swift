import COSE
import Credentials
import Encoding
import Identity
import Readings

/// Field diagnostics: a service tool sends a fresh challenge and only the battery's secure element
/// can answer it. The answer is a COSE_Sign1 whose payload is the deterministic CBOR
/// `["voltpass/diagnostics/v1", challenge]`, so a diagnostics answer can never pass for a reading.
public enum FieldDiagnostics {
    static let context = "voltpass/diagnostics/v1"

    /// The payload the device signs for `challenge`.
    public static func payload(challenge: [UInt8]) -> [UInt8] {
        (try? CBOR.array([.text(context), .bytes(challenge)]).encode()) ?? []
    }

    /// The device's answer: `challenge` signed by its secure element.
    public static func respond(to challenge: [UInt8], signer: some Signer) async throws -> [UInt8] {
        try await COSESign1.sign(payload: payload(challenge: challenge), protectedHeaders: COSEHeaders(), signer: signer).encoded()
    }

    /// Nil when `response` answers `challenge` with `key`; otherwise the problem:
    /// `diagnostics_response_invalid` (not COSE_Sign1, or another challenge) or `device_key_mismatch`
    /// (signed by a key that is not the battery's: a counterfeit or a swapped BMS).
    public static func check(_ response: [UInt8], challenge: [UInt8], key: PublicKey) -> VerificationProblem? {
        let message: COSESign1
        do {
            message = try COSESign1(decoding: response)
        } catch {
            return VerificationProblem(code: "diagnostics_response_invalid", message: "the answer is not COSE_Sign1: \(error.message)")
        }
        guard message.payload == payload(challenge: challenge) else {
            return VerificationProblem(code: "diagnostics_response_invalid", message: "the answer signs another challenge")
        }
        do {
            try message.verify(with: key)
        } catch {
            return VerificationProblem(code: "device_key_mismatch", message: "the answer is not signed by the battery's registered BMS key")
        }
        return nil
    }
}
