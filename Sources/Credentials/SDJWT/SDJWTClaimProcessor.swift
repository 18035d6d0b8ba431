import Encoding

/// Puts the disclosed claims back into an SD-JWT's payload (RFC 9901 §7.1, steps 3 to 5): each
/// digest in an `_sd` array or a `{"...": digest}` array element is replaced by its disclosure's
/// claim, recursively; digests without a disclosure (decoys, undisclosed claims) are dropped.
/// Records where each disclosure's claim went and which disclosure encloses it.
struct SDJWTClaimProcessor {
    /// The claims: the payload without `_sd`, `_sd_alg` and digests, with the disclosed claims.
    private(set) var claims = JSONObject()
    /// For each disclosure, the JSON pointer of its claim in `claims`.
    private(set) var paths: [String]
    /// For each disclosure, the index of the disclosure whose value held its digest (nil: the payload).
    private(set) var enclosing: [Int?]

    private let disclosures: [SDJWTDisclosure]
    private var indexByDigest: [String: Int] = [:]
    private var seenDigests: Set<String> = []

    /// Processes `sdJWT`'s payload with its disclosures. Throws `sd_jwt_malformed` for an `_sd` that
    /// is not an array of strings or nesting deeper than `SDJWT.maximumDepth`,
    /// `sd_jwt_digest_duplicate`, `sd_jwt_disclosure_malformed` for a disclosure of the wrong kind
    /// for where its digest sits, `sd_jwt_claim_collision` and `sd_jwt_disclosure_unreferenced`.
    init(_ sdJWT: SDJWT) throws(CredentialError) {
        disclosures = sdJWT.disclosures
        paths = Array(repeating: "", count: disclosures.count)
        enclosing = Array(repeating: nil, count: disclosures.count)
        for (index, disclosure) in disclosures.enumerated() {
            indexByDigest[disclosure.digest(sdJWT.hashAlgorithm)] = index
        }
        var payload = sdJWT.payload
        payload.removeValue(forKey: "_sd_alg")
        claims = try object(payload, at: "", enclosedBy: nil, depth: 1)
        let referenced = Set(seenDigests.compactMap { indexByDigest[$0] })
        if let unreferenced = disclosures.indices.first(where: { !referenced.contains($0) }) {
            throw .sdJWT(
                .disclosureUnreferenced,
                "the disclosure \(disclosures[unreferenced].encoded.excerpt) is referenced by no digest of the disclosed claims")
        }
    }

    private mutating func value(_ value: JSONValue, at path: String, enclosedBy parent: Int?, depth: Int) throws(CredentialError)
        -> JSONValue
    {
        switch value {
        case .object(let members): .object(try object(members, at: path, enclosedBy: parent, depth: depth + 1))
        case .array(let elements): .array(try array(elements, at: path, enclosedBy: parent, depth: depth + 1))
        default: value
        }
    }

    private mutating func object(_ members: JSONObject, at path: String, enclosedBy parent: Int?, depth: Int) throws(CredentialError)
        -> JSONObject
    {
        guard depth <= SDJWT.maximumDepth else {
            throw .sdJWT(.malformed, "the claims nest deeper than \(SDJWT.maximumDepth) levels", path: path)
        }
        var output = JSONObject()
        for (name, member) in members where name != "_sd" {
            output[name] = try value(member, at: path + "/" + JSONPointer.escape(name), enclosedBy: parent, depth: depth)
        }
        guard let digests = members["_sd"] else { return output }
        guard let digests = digests.arrayValue else { throw .sdJWT(.malformed, "_sd is not an array", path: path + "/_sd") }
        for digest in digests {
            guard let digest = digest.stringValue else {
                throw .sdJWT(.malformed, "_sd holds a digest that is not a string", path: path + "/_sd")
            }
            guard let index = try disclosure(for: digest, at: path) else { continue }
            guard let name = disclosures[index].claimName else {
                throw .sdJWT(.disclosureMalformed, "an array element's disclosure is referenced from an object's _sd", path: path)
            }
            guard name != "_sd", name != "..." else {
                throw .sdJWT(.claimCollision, "a disclosure names the reserved claim '\(name)'", path: path)
            }
            let claimPath = path + "/" + JSONPointer.escape(name)
            guard output[name] == nil else {
                throw .sdJWT(.claimCollision, "a disclosure names the claim '\(name)', which the object already has", path: claimPath)
            }
            paths[index] = claimPath
            enclosing[index] = parent
            output[name] = try value(disclosures[index].value, at: claimPath, enclosedBy: index, depth: depth)
        }
        return output
    }

    private mutating func array(_ elements: [JSONValue], at path: String, enclosedBy parent: Int?, depth: Int) throws(CredentialError)
        -> [JSONValue]
    {
        guard depth <= SDJWT.maximumDepth else {
            throw .sdJWT(.malformed, "the claims nest deeper than \(SDJWT.maximumDepth) levels", path: path)
        }
        var output: [JSONValue] = []
        for element in elements {
            let elementPath = path + "/" + String(output.count)
            guard let reference = element.objectValue, reference.count == 1, let digest = reference["..."] else {
                output.append(try value(element, at: elementPath, enclosedBy: parent, depth: depth))
                continue
            }
            guard let digest = digest.stringValue else {
                throw .sdJWT(.malformed, "an array element's '...' digest is not a string", path: elementPath)
            }
            guard let index = try disclosure(for: digest, at: elementPath) else { continue }
            guard disclosures[index].claimName == nil else {
                throw .sdJWT(.disclosureMalformed, "an object member's disclosure is referenced as an array element", path: elementPath)
            }
            paths[index] = elementPath
            enclosing[index] = parent
            output.append(try value(disclosures[index].value, at: elementPath, enclosedBy: index, depth: depth))
        }
        return output
    }

    /// The index of the disclosure `digest` references, nil for a digest without one; throws
    /// `sd_jwt_digest_duplicate` for a digest seen before.
    private mutating func disclosure(for digest: String, at path: String) throws(CredentialError) -> Int? {
        guard seenDigests.insert(digest).inserted else {
            throw .sdJWT(.digestDuplicate, "the digest \(digest.excerpt) appears more than once", path: path)
        }
        return indexByDigest[digest]
    }
}
