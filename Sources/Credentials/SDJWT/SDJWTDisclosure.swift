import Encoding

/// One disclosure (RFC 9901 §4.2.1): base64url of the JSON array `[salt, name, value]` for an object
/// member or `[salt, value]` for an array element. Its digest is over the encoded text as received,
/// so it is kept and never re-encoded.
public struct SDJWTDisclosure: Sendable, Hashable {
    /// The salt.
    public let salt: String
    /// The member name, nil for an array element.
    public let claimName: String?
    /// The claim value (it may itself hold `_sd` digests).
    public let value: JSONValue
    /// The base64url text.
    public let encoded: String

    /// A new disclosure of `value`, named `claimName` (nil for an array element).
    public init(salt: String, claimName: String?, value: JSONValue) {
        self.salt = salt
        self.claimName = claimName
        self.value = value
        let array: JSONValue = claimName.map { .array([.string(salt), .string($0), value]) } ?? .array([.string(salt), value])
        encoded = Base64URL.encode(array.serialized())
    }

    /// Reads an encoded disclosure. Throws `sd_jwt_disclosure_malformed` unless it is base64url of
    /// UTF-8 JSON: an array of two or three members whose salt (and name) are strings.
    public init(parsing encoded: String) throws(CredentialError) {
        let bytes: [UInt8]
        do {
            bytes = try Base64URL.decode(encoded)
        } catch {
            throw .sdJWT(.disclosureMalformed, "a disclosure is not base64url: \(error.message)")
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes, limits: SDJWT.jsonLimits)
        } catch {
            throw .sdJWT(.disclosureMalformed, "a disclosure is not JSON: \(error.message)")
        }
        guard let array = json.arrayValue, array.count == 2 || array.count == 3 else {
            throw .sdJWT(.disclosureMalformed, "a disclosure is a JSON array of 2 or 3 members")
        }
        guard let salt = array[0].stringValue else { throw .sdJWT(.disclosureMalformed, "a disclosure's salt is not a string") }
        if array.count == 3 {
            guard let name = array[1].stringValue else {
                throw .sdJWT(.disclosureMalformed, "a disclosure's claim name is not a string")
            }
            claimName = name
        } else {
            claimName = nil
        }
        self.salt = salt
        value = array[array.count - 1]
        self.encoded = encoded
    }

    /// The digest the payload references this disclosure by.
    public func digest(_ algorithm: SDJWTHashAlgorithm) -> String {
        algorithm.digest(encoded)
    }
}
