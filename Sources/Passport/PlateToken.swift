import COSE
import Credentials
import Crypto
import Encoding
import Foundation
import Identity
import Readings

/// The short token printed in a battery's QR and NFC plate: a CWT (RFC 8392) signed by the operator
/// as COSE_Sign1, binding the battery id (`sub`) to the operator (`iss`), carried base64url in the
/// Digital Link URL's `t` parameter. A token copied onto another battery names the wrong battery; a
/// forged one does not verify with any of the operator's keys.
public enum PlateToken {
    /// The query parameter of the Digital Link URL that carries the token.
    public static let queryItem = "t"

    /// Signs the token for `batteryID`, issued by `operatorID`.
    public static func sign(batteryID: String, operatorID: String, issuedAt: Date, signer: some Signer) async throws -> [UInt8] {
        let claims = CWTClaims(
            issuer: operatorID, subject: batteryID, issuedAt: Int64(issuedAt.timeIntervalSince1970.rounded(.down)))
        return try await CWT.sign(claims, signer: signer)
    }

    /// The plate URL: the resolver's Digital Link path for the battery with the token.
    public static func url(resolverBase: String, digitalLinkPath: String, token: [UInt8]) -> String {
        resolverBase + digitalLinkPath + "?\(queryItem)=" + Base64URL.encode(token)
    }

    /// The battery a token names, read without checking its signature (``check`` does that).
    public static func unverifiedSubject(of token: [UInt8]) -> String? {
        guard let payload = try? COSESign1(decoding: token).payload else { return nil }
        return (try? CWTClaims(decoding: payload))?.subject
    }

    /// Nil when `token` is the operator's token for `batteryID`; otherwise the problem:
    /// `token_invalid` (malformed, or no key of the operator signed it) or `token_mismatch` (the
    /// token of another battery or operator, e.g. a cloned plate).
    public static func check(
        _ token: [UInt8], batteryID: String, operatorID: String, resolver: any DIDResolver, cache: PassportVerificationCache? = nil
    ) async -> VerificationProblem? {
        let claims: CWTClaims
        do {
            claims = try CWTClaims(decoding: try COSESign1(decoding: token).payload ?? [])
        } catch {
            return VerificationProblem(code: "token_invalid", message: "the plate token is not a CWT: \(error)")
        }
        guard claims.subject == batteryID, claims.issuer == operatorID else {
            return VerificationProblem(
                code: "token_mismatch",
                message: "the plate token belongs to \(claims.subject ?? "no battery") of \(claims.issuer ?? "no operator"), not to this battery")
        }
        let digest = Array(SHA256.hash(data: token + Array(operatorID.utf8)))
        if cache?.isProven(digest) == true { return nil }
        guard let document = try? await resolver.resolve(operatorID) else {
            return VerificationProblem(code: "token_invalid", message: "the operator's DID document is not available to check the token")
        }
        for method in document.verificationMethods where document.relationships(of: method.id).contains(.assertionMethod) {
            if let key = try? method.publicKey(), (try? CWT.verify(token, key: key)) != nil {
                cache?.markProven(digest)
                return nil
            }
        }
        return VerificationProblem(code: "token_invalid", message: "no key of \(operatorID) signed the plate token")
    }
}
