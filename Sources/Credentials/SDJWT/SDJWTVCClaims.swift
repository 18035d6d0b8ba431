import Encoding
import Foundation

/// The registered claims of an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc §3.2.2), which Voltpass keeps
/// in the clear: the type `vct`, the issuer `iss`, `iat`, the optional `nbf` and `exp`, and a
/// `status` reference (a Token Status List entry, passed through as given).
public struct SDJWTVCClaims: Sendable, Hashable {
    /// The `typ` header of an SD-JWT VC.
    public static let mediaType = "dc+sd-jwt"
    /// The `typ` headers a verifier of SD-JWT VCs accepts: `dc+sd-jwt` and the earlier `vc+sd-jwt`.
    public static let acceptedMediaTypes: Set<String> = [mediaType, "vc+sd-jwt"]
    /// The claims that must not be selectively disclosable.
    static let clearClaims: Set<String> = ["iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"]

    /// `vct`: the credential type, e.g. `https://voltpass.example/battery-passport`.
    public var type: String
    /// `iss`: the issuer, a URL or DID.
    public var issuer: String
    /// `iat`.
    public var issuedAt: Date
    /// `nbf`.
    public var notBefore: Date?
    /// `exp`.
    public var expiresAt: Date?
    /// `status`, e.g. `{"status_list": {"idx": 7, "uri": "https://…/statuslists/1"}}`.
    public var status: JSONObject?

    public init(type: String, issuer: String, issuedAt: Date, notBefore: Date? = nil, expiresAt: Date? = nil, status: JSONObject? = nil) {
        self.type = type
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.status = status
    }

    /// The claims as payload members, times in whole seconds since the epoch.
    var registeredClaims: JSONObject {
        func seconds(_ date: Date) -> JSONValue { .number(date.timeIntervalSince1970.rounded(.down)) }
        var claims: JSONObject = ["iss": .string(issuer), "iat": seconds(issuedAt)]
        if let notBefore { claims["nbf"] = seconds(notBefore) }
        if let expiresAt { claims["exp"] = seconds(expiresAt) }
        claims["vct"] = .string(type)
        if let status { claims["status"] = .object(status) }
        return claims
    }
}
