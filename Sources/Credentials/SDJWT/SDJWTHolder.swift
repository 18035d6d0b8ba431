import Encoding
import Foundation
import Identity

/// A holder's SD-JWT (RFC 9901 §5.2): every claim it can reveal, where each disclosure puts its
/// claim, and presentations of chosen claims, with or without a Key Binding JWT.
public struct SDJWTHolder: Sendable {
    /// The SD-JWT as issued, without a KB-JWT.
    public let sdJWT: SDJWT
    /// The claims with every disclosure applied: all the holder can reveal.
    public let claims: JSONObject
    /// For each of `sdJWT.disclosures`, the JSON pointer of its claim in `claims`.
    public let disclosurePaths: [String]
    /// For each disclosure, the one whose claim encloses it (nil: the payload).
    private let enclosing: [Int?]

    /// Takes an issued SD-JWT, dropping any KB-JWT. Throws what processing the disclosures throws
    /// (`sd_jwt_digest_duplicate`, `sd_jwt_disclosure_unreferenced`, …); the issuer's signature is
    /// the verifier's to check.
    public init(_ sdJWT: SDJWT) throws(CredentialError) {
        let processed = try SDJWTClaimProcessor(sdJWT)
        self.sdJWT = sdJWT.with(disclosures: sdJWT.disclosures, keyBinding: nil)
        claims = processed.claims
        disclosurePaths = processed.paths
        enclosing = processed.enclosing
    }

    /// Reads a compact SD-JWT as `SDJWT(parsing:)` does, then as `init(_:)`.
    public init(parsing text: String) throws(CredentialError) {
        try self.init(try SDJWT(parsing: text))
    }

    /// The disclosures that reveal the claims at `paths` (JSON pointers into `claims`) whole: each
    /// claim's own disclosure, those of the claims enclosing it, and those of everything inside it.
    /// Throws `sd_jwt_pointer_invalid` for a pointer that names no claim.
    public func disclosures(revealing paths: [String]) throws(CredentialError) -> [SDJWTDisclosure] {
        var wanted: [String] = []
        for path in paths {
            guard let pointer = JSONPointer.normalized(path), !pointer.isEmpty, JSONPointer.value(at: pointer, in: claims) != nil else {
                throw .sdJWT(.pointerInvalid, "'\(path)' names no claim of this SD-JWT", path: path)
            }
            wanted.append(pointer)
        }
        return zip(sdJWT.disclosures, disclosurePaths).filter { _, path in
            wanted.contains { path == $0 || JSONPointer.isInside(path, $0) || JSONPointer.isInside($0, path) }
        }.map(\.0)
    }

    /// A presentation of `disclosures`, to which those of the claims enclosing them are added,
    /// without key binding. Throws `sd_jwt_disclosure_unreferenced` for a disclosure that is not
    /// one of this SD-JWT's.
    public func present(_ disclosures: [SDJWTDisclosure]) throws(CredentialError) -> SDJWT {
        sdJWT.with(disclosures: try closed(disclosures), keyBinding: nil)
    }

    /// A presentation of `disclosures` (and those enclosing them) with a KB-JWT for `audience` and
    /// `nonce`, signed by `signer`, whose key must be the SD-JWT's `cnf.jwk`. Throws as
    /// `present(_:)`, and `sd_jwt_key_binding_invalid` for another key or a signer that fails.
    public func present(
        _ disclosures: [SDJWTDisclosure], audience: String, nonce: String, issuedAt: Date = Date(), signer: some Signer
    ) async throws(CredentialError) -> SDJWT {
        let holderKey = try SDJWTKeyBinding.holderKey(in: claims)
        guard (try? PublicKey(algorithm: signer.algorithm, rawRepresentation: signer.publicKey)) == holderKey else {
            throw .sdJWT(.keyBindingInvalid, "the signer's key is not the SD-JWT's cnf.jwk")
        }
        let presented = try present(disclosures)
        let keyBinding = try await SDJWTKeyBinding.sign(presented, audience: audience, nonce: nonce, issuedAt: issuedAt, signer: signer)
        return presented.with(disclosures: presented.disclosures, keyBinding: keyBinding)
    }

    /// `disclosures` with those enclosing them, in the SD-JWT's order.
    private func closed(_ disclosures: [SDJWTDisclosure]) throws(CredentialError) -> [SDJWTDisclosure] {
        let indexByText = Dictionary(sdJWT.disclosures.enumerated().map { ($1.encoded, $0) }, uniquingKeysWith: { first, _ in first })
        var chosen = Set<Int>()
        for disclosure in disclosures {
            guard var index = indexByText[disclosure.encoded] else {
                throw .sdJWT(.disclosureUnreferenced, "the disclosure \(disclosure.encoded.excerpt) is not one of this SD-JWT's")
            }
            while chosen.insert(index).inserted, let parent = enclosing[index] { index = parent }
        }
        return sdJWT.disclosures.indices.filter(chosen.contains).map { sdJWT.disclosures[$0] }
    }
}
