import Encoding

extension PublicKey {
    /// The public key as a JWK (RFC 7517/8037): `{"kty":"OKP","crv":"Ed25519","x":…}` or
    /// `{"kty":"EC","crv":"P-256" or "P-384","x":…,"y":…}` with base64url coordinates.
    public var jwk: JSONObject {
        switch algorithm {
        case .ed25519:
            return ["kty": "OKP", "crv": "Ed25519", "x": .string(Base64URL.encode(rawRepresentation))]
        case .p256, .p384:
            // A validated ECDSA key always decompresses.
            let (x, y) = ecCoordinates ?? ([], [])
            return ["kty": "EC", "crv": .string(algorithm.rawValue), "x": .string(Base64URL.encode(x)), "y": .string(Base64URL.encode(y))]
        }
    }

    /// Reads a public JWK for Ed25519 (OKP) or P-256 and P-384 (EC). Other key types throw
    /// `unsupportedPublicKeyType`; a JWK carrying the private `d`, missing or malformed coordinates
    /// throw `invalidPublicKey`; coordinates of the wrong size throw `invalidPublicKeyLength`.
    public init(jwk: JSONObject) throws(IdentityError) {
        guard jwk["d"] == nil else {
            throw IdentityError(.invalidPublicKey, "a public JWK must not contain the private member 'd'")
        }
        let kty = jwk["kty"]?.stringValue
        let crv = jwk["crv"]?.stringValue
        switch (kty, crv) {
        case ("OKP", "Ed25519"):
            try self.init(algorithm: .ed25519, rawRepresentation: Self.coordinate("x", of: jwk))
        case ("EC", "P-256"), ("EC", "P-384"):
            let algorithm: KeyAlgorithm = crv == "P-256" ? .p256 : .p384
            let size = algorithm == .p256 ? 32 : 48
            let x = try Self.coordinate("x", of: jwk)
            let y = try Self.coordinate("y", of: jwk)
            guard x.count == size, y.count == size else {
                throw IdentityError(
                    .invalidPublicKeyLength, "\(algorithm.rawValue) JWK coordinates have \(size) bytes each, not \(x.count) and \(y.count)")
            }
            try self.init(algorithm: algorithm, rawRepresentation: [0x04] + x + y)
        default:
            throw IdentityError(
                .unsupportedPublicKeyType,
                "JWK kty '\(kty ?? "none")' crv '\(crv ?? "none")' is not OKP Ed25519 or EC P-256 or P-384")
        }
    }

    private static func coordinate(_ name: String, of jwk: JSONObject) throws(IdentityError) -> [UInt8] {
        guard let text = jwk[name]?.stringValue else {
            throw IdentityError(.invalidPublicKey, "the JWK has no string '\(name)'")
        }
        do {
            return try Base64URL.decode(text)
        } catch {
            throw IdentityError(.invalidPublicKey, "the JWK '\(name)' is not base64url: \(error.message)")
        }
    }
}
