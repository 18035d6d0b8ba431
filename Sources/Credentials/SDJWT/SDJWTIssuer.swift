import Encoding
import Identity

/// Issues SD-JWTs (RFC 9901 §4, §5.1): the claims named by JSON pointers are replaced by salted
/// digests (members in a sorted `_sd` array, array elements by `{"...": digest}`), recursively when a
/// disclosable claim holds disclosable claims of its own, with decoy digests among them.
public struct SDJWTIssuer: Sendable {
    /// The most decoy digests added to one object or array.
    public static let maximumDecoys = 64

    /// The hash of the digests, announced in `_sd_alg`.
    public var hashAlgorithm: SDJWTHashAlgorithm
    /// How many decoy digests (RFC 9901 §4.2.5) go into each object and array that has
    /// selectively disclosable claims, drawn anew for each; clamped to `0...maximumDecoys`.
    public var decoyDigests: ClosedRange<Int>
    /// The source of salts and decoys.
    public var randomness: SDJWTRandomness

    public init(hashAlgorithm: SDJWTHashAlgorithm = .sha256, decoyDigests: ClosedRange<Int> = 0...0, randomness: SDJWTRandomness = .system) {
        self.hashAlgorithm = hashAlgorithm
        self.decoyDigests = decoyDigests.clamped(to: 0...Self.maximumDecoys)
        self.randomness = randomness
    }

    /// Issues `claims` with the members and array elements at the `disclosable` JSON pointers
    /// (RFC 6901: `/given_name`, `/nationalities/0`, `/address/street_address`) selectively
    /// disclosable, `cnf.jwk` naming `holderKey` when given, signed by `signer` under `header` (to
    /// which `alg` is added). Throws `sd_jwt_pointer_invalid` for a pointer that is malformed or
    /// names no claim, `sd_jwt_claim_collision` for claims named `_sd` or `...` (or `_sd_alg`, or
    /// `cnf` beside a holder key), `sd_jwt_malformed` for claims nested deeper than
    /// `SDJWT.maximumDepth`, and PROOF_GENERATION_ERROR when the signer fails.
    public func issue(
        claims: JSONObject, disclosable: [String], holderKey: PublicKey? = nil, header: JSONObject = [:], signer: some Signer
    ) async throws(CredentialError) -> SDJWT {
        for reserved in ["_sd_alg"] + (holderKey == nil ? [] : ["cnf"]) where claims[reserved] != nil {
            throw .sdJWT(.claimCollision, "the claims may not have '\(reserved)': the issuer sets it", path: "/" + reserved)
        }
        var concealment = Concealment(issuer: self, disclosable: try Self.normalized(disclosable))
        var payload = try concealment.object(claims, at: "", depth: 1)
        if let unmatched = concealment.unmatched.min() {
            throw .sdJWT(.pointerInvalid, "the pointer \(unmatched) names no claim", path: unmatched)
        }
        if let holderKey { payload["cnf"] = ["jwk": .object(holderKey.jwk)] }
        payload["_sd_alg"] = .string(hashAlgorithm.rawValue)
        let jws: CompactJWS
        do {
            jws = try await CompactJWS.sign(header: header, payload: JSONValue.object(payload).serialized(), signer: signer)
        } catch {
            throw .dataIntegrity(.proofGenerationError, "the SD-JWT could not be signed: \(error)")
        }
        return try SDJWT(issuerSigned: jws, disclosures: concealment.disclosures, keyBinding: nil)
    }

    /// Issues an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): `typ: dc+sd-jwt`, `kid` when given, the
    /// registered claims of `credential` in the clear beside `claims`. Throws as `issue(claims:…)`,
    /// `sd_jwt_claim_collision` when `claims` has a registered claim, and `sd_jwt_pointer_invalid`
    /// for a pointer to one that must stay in the clear.
    public func issue(
        _ credential: SDJWTVCClaims, claims: JSONObject, disclosable: [String], holderKey: PublicKey?, keyID: String? = nil,
        signer: some Signer
    ) async throws(CredentialError) -> SDJWT {
        var payload = credential.registeredClaims
        for (name, value) in claims {
            guard payload[name] == nil, !SDJWTVCClaims.clearClaims.contains(name) else {
                throw .sdJWT(.claimCollision, "the claims may not have '\(name)': SDJWTVCClaims sets it", path: "/" + JSONPointer.escape(name))
            }
            payload[name] = value
        }
        for pointer in try Self.normalized(disclosable) {
            guard let name = JSONPointer.referenceTokens(pointer)?.first, SDJWTVCClaims.clearClaims.contains(name) else { continue }
            throw .sdJWT(.pointerInvalid, "an SD-JWT VC keeps '\(name)' in the clear", path: pointer)
        }
        var header: JSONObject = ["typ": .string(SDJWTVCClaims.mediaType)]
        if let keyID { header["kid"] = .string(keyID) }
        return try await issue(claims: payload, disclosable: disclosable, holderKey: holderKey, header: header, signer: signer)
    }

    /// The pointers in their one escaped form; `sd_jwt_pointer_invalid` for one that is no JSON
    /// pointer or is the whole document.
    static func normalized(_ pointers: [String]) throws(CredentialError) -> Set<String> {
        var normalized: Set<String> = []
        for pointer in pointers {
            guard let form = JSONPointer.normalized(pointer), !form.isEmpty else {
                throw .sdJWT(.pointerInvalid, "'\(pointer)' is not a JSON pointer to a claim (RFC 6901: '/name/0')")
            }
            normalized.insert(form)
        }
        return normalized
    }
}

/// One issuance's walk over the claims: the disclosures made so far and the pointers not yet met.
private struct Concealment {
    let issuer: SDJWTIssuer
    private(set) var unmatched: Set<String>
    private(set) var disclosures: [SDJWTDisclosure] = []

    init(issuer: SDJWTIssuer, disclosable: Set<String>) {
        self.issuer = issuer
        unmatched = disclosable
    }

    /// Whether the claim at `path` is to be disclosable; each pointer matches once.
    private mutating func isDisclosable(_ path: String) -> Bool {
        unmatched.remove(path) != nil
    }

    private mutating func disclose(_ value: JSONValue, named name: String?) -> String {
        let disclosure = SDJWTDisclosure(salt: issuer.randomness.salt(), claimName: name, value: value)
        disclosures.append(disclosure)
        return disclosure.digest(issuer.hashAlgorithm)
    }

    private func decoy() -> String {
        issuer.hashAlgorithm.digest(issuer.randomness.salt())
    }

    private mutating func value(_ value: JSONValue, at path: String, depth: Int) throws(CredentialError) -> JSONValue {
        switch value {
        case .object(let members): .object(try object(members, at: path, depth: depth + 1))
        case .array(let elements): .array(try array(elements, at: path, depth: depth + 1))
        default: value
        }
    }

    mutating func object(_ members: JSONObject, at path: String, depth: Int) throws(CredentialError) -> JSONObject {
        guard depth <= SDJWT.maximumDepth else {
            throw .sdJWT(.malformed, "the claims nest deeper than \(SDJWT.maximumDepth) levels", path: path)
        }
        var output = JSONObject()
        var digests: [String] = []
        for (name, member) in members {
            let memberPath = path + "/" + JSONPointer.escape(name)
            guard name != "_sd", name != "..." else {
                throw .sdJWT(.claimCollision, "a claim may not be named '\(name)', which SD-JWT reserves", path: memberPath)
            }
            let concealed = try value(member, at: memberPath, depth: depth)
            if isDisclosable(memberPath) {
                digests.append(disclose(concealed, named: name))
            } else {
                output[name] = concealed
            }
        }
        if !digests.isEmpty {
            for _ in 0..<issuer.randomness.number(in: issuer.decoyDigests) { digests.append(decoy()) }
            output["_sd"] = .array(digests.sorted().map(JSONValue.string))
        }
        return output
    }

    private mutating func array(_ elements: [JSONValue], at path: String, depth: Int) throws(CredentialError) -> [JSONValue] {
        guard depth <= SDJWT.maximumDepth else {
            throw .sdJWT(.malformed, "the claims nest deeper than \(SDJWT.maximumDepth) levels", path: path)
        }
        var output: [JSONValue] = []
        var hasDisclosable = false
        for (index, element) in elements.enumerated() {
            let elementPath = path + "/" + String(index)
            let concealed = try value(element, at: elementPath, depth: depth)
            if isDisclosable(elementPath) {
                output.append(["...": .string(disclose(concealed, named: nil))])
                hasDisclosable = true
            } else {
                output.append(concealed)
            }
        }
        if hasDisclosable {
            for _ in 0..<issuer.randomness.number(in: issuer.decoyDigests) {
                output.insert(["...": .string(decoy())], at: issuer.randomness.number(in: 0...output.count))
            }
        }
        return output
    }
}
