import Encoding

/// did:key (W3C CCG "The did:key Method v0.9") for Ed25519, P-256 and P-384 keys: the DID is
/// `did:key:` + the Multikey of the public key, and the DID document is generated from it.
///
/// Other key types of the method's table (secp256k1, X25519, P-521) get the spec's length check
/// and are then refused with `unsupportedPublicKeyType`, as is any other multicodec (e.g. BLS12-381 G2):
/// Voltpass cannot verify signatures with them, so it does not produce documents for them.
public enum DIDKey {
    /// The context the current spec gives did:key documents.
    public static let context = "https://www.w3.org/ns/did/v1.1"

    /// How the verification methods of a generated document express their keys.
    public enum PublicKeyFormat: String, Sendable {
        /// `type: Multikey` with `publicKeyMultibase` (the default).
        case multikey = "Multikey"
        /// `type: JsonWebKey` with `publicKeyJwk`.
        case jsonWebKey = "JsonWebKey"
    }

    /// Options of the spec's document creation algorithm.
    public struct Options: Sendable, Hashable {
        public var publicKeyFormat: PublicKeyFormat
        /// For Ed25519 DIDs, add the derived X25519 key as an embedded `keyAgreement` method, as in the
        /// spec's example document. ECDSA DIDs get no `keyAgreement`.
        public var enableEncryptionKeyDerivation: Bool

        public init(publicKeyFormat: PublicKeyFormat = .multikey, enableEncryptionKeyDerivation: Bool = true) {
            self.publicKeyFormat = publicKeyFormat
            self.enableEncryptionKeyDerivation = enableEncryptionKeyDerivation
        }
    }

    /// Expected public key lengths by multicodec, from the spec's table.
    private static let keyLengths: [UInt64: Int] = [0xe7: 33, 0xec: 32, 0xed: 32, 0x1200: 33, 0x1201: 49]
    private static let x25519Public: UInt64 = 0xec

    /// The did:key DID of a public key.
    public static func did(for key: PublicKey) -> String {
        "did:key:" + key.multikey
    }

    /// The public key a did:key DID (or DID URL) encodes. Throws `invalidDid`,
    /// `invalidPublicKeyLength`, `invalidPublicKey` or `unsupportedPublicKeyType`.
    public static func publicKey(of did: String) throws(IdentityError) -> PublicKey {
        try decode(did).key
    }

    /// The DID document of a did:key DID (a DID URL's fragment, query and path are ignored), shaped
    /// as the spec's document creation algorithm and example give it.
    public static func document(for did: String, options: Options = Options()) throws(IdentityError) -> DIDDocument {
        let (identifier, multibaseValue, key) = try decode(did)
        let signatureMethod = verificationMethod(
            id: identifier + "#" + multibaseValue, controller: identifier, key: key.jwk, multibase: multibaseValue,
            format: options.publicKeyFormat)
        let signatureMethodID = JSONValue.string(identifier + "#" + multibaseValue)
        var document: JSONObject = [
            "@context": [.string(context)],
            "id": .string(identifier),
            "verificationMethod": [.object(signatureMethod)],
            "authentication": [signatureMethodID],
            "assertionMethod": [signatureMethodID],
            "capabilityDelegation": [signatureMethodID],
            "capabilityInvocation": [signatureMethodID],
        ]
        if options.enableEncryptionKeyDerivation, key.algorithm == .ed25519 {
            let x25519 = Edwards25519.montgomeryU(fromEdwards: key.rawRepresentation)
            let x25519Multibase = Multibase.encode(Multicodec.prefix(x25519Public, to: x25519), as: .base58btc)
            let encryptionMethod = verificationMethod(
                id: identifier + "#" + x25519Multibase, controller: identifier,
                key: ["kty": "OKP", "crv": "X25519", "x": .string(Base64URL.encode(x25519))],
                multibase: x25519Multibase, format: options.publicKeyFormat)
            document["keyAgreement"] = [.object(encryptionMethod)]
        }
        return try DIDDocument(.object(document))
    }

    private static func verificationMethod(
        id: String, controller: String, key jwk: JSONObject, multibase: String, format: PublicKeyFormat
    ) -> JSONObject {
        var method: JSONObject = ["id": .string(id), "type": .string(format.rawValue), "controller": .string(controller)]
        switch format {
        case .multikey: method["publicKeyMultibase"] = .string(multibase)
        case .jsonWebKey: method["publicKeyJwk"] = .object(jwk)
        }
        return method
    }

    /// Steps 2–3 of the document creation algorithm and the decode/validate steps of the signature
    /// method creation algorithm.
    private static func decode(_ did: String) throws(IdentityError) -> (identifier: String, multibase: String, key: PublicKey) {
        let identifier = try DIDURL(did).did
        let components = identifier.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard components.count == 3 || components.count == 4, components[1] == "key" else {
            throw IdentityError(.invalidDid, "'\(identifier)' is not did:key:<multibase> or did:key:<version>:<multibase>")
        }
        if components.count == 4 {
            guard let version = Int(components[2]), version > 0 else {
                throw IdentityError(.invalidDid, "the did:key version '\(components[2])' is not a positive integer")
            }
        }
        let multibaseValue = components[components.count - 1]
        guard multibaseValue.hasPrefix("z") else {
            throw IdentityError(.invalidDid, "the did:key value must be base58btc multibase, starting with 'z'")
        }
        let code: UInt64
        let payload: [UInt8]
        do {
            (code, payload) = try Multicodec.split(Multibase.decode(multibaseValue).bytes)
        } catch {
            throw IdentityError(.invalidDid, "the did:key value does not decode: \(error.message)")
        }
        if let expected = keyLengths[code], payload.count != expected {
            throw IdentityError(
                .invalidPublicKeyLength,
                "multicodec 0x\(String(code, radix: 16)) needs a \(expected)-byte public key, not \(payload.count) bytes")
        }
        let key: PublicKey
        switch code {
        case Multikey.ed25519Public: key = try PublicKey(algorithm: .ed25519, rawRepresentation: payload)
        case Multikey.p256Public: key = try PublicKey(algorithm: .p256, rawRepresentation: payload)
        case Multikey.p384Public: key = try PublicKey(algorithm: .p384, rawRepresentation: payload)
        default:
            throw IdentityError(
                .unsupportedPublicKeyType,
                "did:key multicodec 0x\(String(code, radix: 16)) is not supported; Voltpass handles Ed25519, P-256 and P-384")
        }
        return (identifier, multibaseValue, key)
    }
}

/// Resolves did:key DIDs locally (no I/O).
public struct DIDKeyResolver: DIDResolver {
    public var options: DIDKey.Options

    public init(options: DIDKey.Options = DIDKey.Options()) {
        self.options = options
    }

    public func resolve(_ did: String) async throws -> DIDDocument {
        try DIDKey.document(for: did, options: options)
    }
}
