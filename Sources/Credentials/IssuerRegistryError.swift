import Encoding

/// Why an issuer registry document could not be used. Codes: `registry_invalid` (malformed, or its
/// proof does not verify), `registry_untrusted` (signed by someone other than the expected authority,
/// or for a framework the verifier has no trust anchor for), `registry_unreachable` (not fetched).
public struct IssuerRegistryError: CodedError, Equatable {
    public let code: String
    public let message: String

    static func invalid(_ message: String) -> Self { Self(code: "registry_invalid", message: message) }
    static func untrusted(_ message: String) -> Self { Self(code: "registry_untrusted", message: message) }
    static func unreachable(_ message: String) -> Self { Self(code: "registry_unreachable", message: message) }
}
