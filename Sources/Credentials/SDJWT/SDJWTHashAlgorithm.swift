import Crypto
import Encoding

/// The hash of disclosure digests and of the KB-JWT's `sd_hash`, named by the payload's `_sd_alg`
/// (IANA "Named Information Hash Algorithm" names; sha-256 when `_sd_alg` is absent).
public enum SDJWTHashAlgorithm: String, Sendable, CaseIterable {
    case sha256 = "sha-256"
    case sha384 = "sha-384"
    case sha512 = "sha-512"

    /// base64url of the hash of the ASCII bytes of `text` (a disclosure, or the SD-JWT for `sd_hash`).
    public func digest(_ text: String) -> String {
        let bytes = Array(text.utf8)
        switch self {
        case .sha256: return Base64URL.encode(Array(SHA256.hash(data: bytes)))
        case .sha384: return Base64URL.encode(Array(SHA384.hash(data: bytes)))
        case .sha512: return Base64URL.encode(Array(SHA512.hash(data: bytes)))
        }
    }

    /// The algorithm `payload` names in `_sd_alg`, sha-256 without one; `sd_jwt_unsupported_sd_alg`
    /// for any other name or a value that is not a string.
    init(payload: JSONObject) throws(CredentialError) {
        guard let value = payload["_sd_alg"] else {
            self = .sha256
            return
        }
        guard let name = value.stringValue, let algorithm = SDJWTHashAlgorithm(rawValue: name) else {
            throw .sdJWT(.unsupportedHashAlgorithm, "_sd_alg \(value) is not one of sha-256, sha-384, sha-512", path: "/_sd_alg")
        }
        self = algorithm
    }
}
