import Encoding
import Identity

/// The claims of a CBOR Web Token (RFC 8392 §3): the registered claims with their integer keys, and
/// any other claims under their own keys.
public struct CWTClaims: Sendable, Hashable {
    /// iss (1): the issuer.
    public var issuer: String?
    /// sub (2): the subject.
    public var subject: String?
    /// aud (3): the audience.
    public var audience: String?
    /// exp (4): expiration time, seconds since the epoch.
    public var expirationTime: Int64?
    /// nbf (5): not before, seconds since the epoch.
    public var notBefore: Int64?
    /// iat (6): issued at, seconds since the epoch.
    public var issuedAt: Int64?
    /// cti (7): the token identifier.
    public var tokenID: [UInt8]?
    /// Claims other than 1–7, keyed by integer or text.
    public var otherClaims: [CBOR.Pair]

    /// Claims as given.
    public init(
        issuer: String? = nil, subject: String? = nil, audience: String? = nil, expirationTime: Int64? = nil,
        notBefore: Int64? = nil, issuedAt: Int64? = nil, tokenID: [UInt8]? = nil, otherClaims: [CBOR.Pair] = []
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.expirationTime = expirationTime
        self.notBefore = notBefore
        self.issuedAt = issuedAt
        self.tokenID = tokenID
        self.otherClaims = otherClaims
    }

    /// The claims set as deterministic CBOR (RFC 8949 §4.2.1). Throws `cwt_invalid_claim` when an
    /// other claim reuses a registered key or cannot be encoded.
    public func encoded() throws(CWTError) -> [UInt8] {
        var pairs: [CBOR.Pair] = []
        if let issuer { pairs.append(.init(1, .text(issuer))) }
        if let subject { pairs.append(.init(2, .text(subject))) }
        if let audience { pairs.append(.init(3, .text(audience))) }
        if let expirationTime { pairs.append(.init(4, CBOR(expirationTime))) }
        if let notBefore { pairs.append(.init(5, CBOR(notBefore))) }
        if let issuedAt { pairs.append(.init(6, CBOR(issuedAt))) }
        if let tokenID { pairs.append(.init(7, .bytes(tokenID))) }
        for claim in otherClaims {
            if let key = claim.key.intValue, (1...7).contains(key) {
                throw CWTError(.invalidClaim, "claim \(key) is registered; set it through its property")
            }
            pairs.append(claim)
        }
        do {
            return try CBOR.map(pairs).encode()
        } catch {
            throw CWTError(.invalidClaim, "the claims cannot be encoded: \(error.message)")
        }
    }

    /// Reads a claims set (any valid CBOR encoding, optionally inside the CWT tag 61). Throws
    /// `cwt_malformed` for a non-map and `cwt_invalid_claim` for a registered claim of the wrong type
    /// (NumericDate must be an integer or an integral float within Int64).
    public init(decoding bytes: [UInt8]) throws(CWTError) {
        let item: CBOR
        do {
            item = try CBOR.decode(bytes)
        } catch {
            throw CWTError(.malformed, "the claims set is not CBOR: \(error.message)")
        }
        var body = item
        if case .tagged(61, let content) = item { body = content }
        guard let pairs = body.mapValue else { throw CWTError(.malformed, "the claims set is not a map") }
        self.init()
        for pair in pairs {
            guard let key = pair.key.intValue, (1...7).contains(key) else {
                switch pair.key {
                case .unsigned, .negative, .text: otherClaims.append(pair)
                default: throw CWTError(.malformed, "claim keys are integers or text strings")
                }
                continue
            }
            switch key {
            case 1: issuer = try Self.text(pair.value, "iss")
            case 2: subject = try Self.text(pair.value, "sub")
            case 3: audience = try Self.text(pair.value, "aud")
            case 4: expirationTime = try Self.numericDate(pair.value, "exp")
            case 5: notBefore = try Self.numericDate(pair.value, "nbf")
            case 6: issuedAt = try Self.numericDate(pair.value, "iat")
            default:
                guard let bytes = pair.value.bytesValue else { throw CWTError(.invalidClaim, "cti is not a byte string") }
                tokenID = bytes
            }
        }
    }

    /// Checks exp and nbf against `time` (seconds since the epoch): `cwt_expired`, `cwt_not_yet_valid`.
    public func checkValidity(at time: Int64) throws(CWTError) {
        if let expirationTime, time >= expirationTime {
            throw CWTError(.expired, "the token expired at \(expirationTime); it is \(time)")
        }
        if let notBefore, time < notBefore {
            throw CWTError(.notYetValid, "the token is valid from \(notBefore); it is \(time)")
        }
    }

    private static func text(_ value: CBOR, _ name: String) throws(CWTError) -> String {
        guard let text = value.textValue else { throw CWTError(.invalidClaim, "\(name) is not a text string") }
        return text
    }

    private static func numericDate(_ value: CBOR, _ name: String) throws(CWTError) -> Int64 {
        if let seconds = value.intValue { return seconds }
        if let seconds = value.doubleValue, seconds.rounded() == seconds, let integral = Int64(exactly: seconds) {
            return integral
        }
        throw CWTError(.invalidClaim, "\(name) is not a NumericDate in whole seconds")
    }
}

/// A CBOR Web Token signed as COSE_Sign1 (RFC 8392 §7), such as the short token on a battery's QR plate.
public enum CWT {
    /// Signs `claims` as a tagged COSE_Sign1 with `signer`, carrying `keyID` in the protected header
    /// when given.
    public static func sign(_ claims: CWTClaims, keyID: [UInt8]? = nil, signer: some Signer) async throws -> [UInt8] {
        var protected = COSEHeaders()
        if let keyID { protected[COSEHeaders.Label.keyID] = .bytes(keyID) }
        let message = try await COSESign1.sign(payload: try claims.encoded(), protectedHeaders: protected, signer: signer)
        return message.encoded()
    }

    /// Verifies a signed CWT with `key` and returns its claims; COSE failures throw `COSEError`, claim
    /// failures `CWTError`. Validity times are not checked here (see `CWTClaims.checkValidity(at:)`).
    public static func verify(_ token: [UInt8], key: PublicKey) throws -> CWTClaims {
        let message = try COSESign1(decoding: token)
        try message.verify(with: key)
        guard let payload = message.payload else {
            throw COSEError(.payloadMismatch, "a CWT carries its claims; the payload is detached")
        }
        return try CWTClaims(decoding: payload)
    }
}

/// A CWT claims failure: a stable code plus what was wrong.
public struct CWTError: CodedError, Hashable {
    /// What went wrong; `rawValue` is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// The claims set is not a CBOR map with integer or text keys.
        case malformed = "cwt_malformed"
        /// A registered claim has the wrong type, or a claim cannot be encoded.
        case invalidClaim = "cwt_invalid_claim"
        /// The token's exp has passed.
        case expired = "cwt_expired"
        /// The token's nbf has not come yet.
        case notYetValid = "cwt_not_yet_valid"
    }

    public let kind: Kind
    public let message: String

    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
