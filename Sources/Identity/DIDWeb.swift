import Encoding
import Foundation

/// did:web (W3C CCG did:web Method Specification): DID ↔ document URL, and the DID document an
/// operator serves, built from its key history.
///
/// `did:web:example.com` ↔ `https://example.com/.well-known/did.json`,
/// `did:web:example.com%3A3000:user:alice` ↔ `https://example.com:3000/user/alice/did.json`.
/// The host must be a domain name (IP addresses are refused), a port is written `%3A<port>`, and
/// path segments are separated by `:`. Plain `http` is allowed only for `localhost`, and only when
/// the caller enables it (tests and local development).
public enum DIDWeb {
    /// The term definitions of our extensions: `validFrom` on a verification method (the VC
    /// vocabulary's `validFrom` IRI, "the earliest point in time at which … is valid") and the
    /// `CardanoPaymentAddress` service type.
    public static let extensionContext: JSONValue = [
        "validFrom": [
            "@id": "https://www.w3.org/2018/credentials#validFrom",
            "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
        ],
        "CardanoPaymentAddress": "https://voltpass.dev/ns/did#CardanoPaymentAddress",
    ]

    /// The `@context` of the documents Voltpass serves: DID v1 (the Recommendation), Multikey, and
    /// our extensions, so that every term of the document is defined.
    public static let documentContext: JSONValue = [
        "https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1", extensionContext,
    ]

    /// The URL of the DID document of a did:web DID. Throws `invalidDid` for anything else.
    public static func documentURL(for did: String, allowLoopbackHTTP: Bool = false) throws(IdentityError) -> URL {
        let parsed = try DIDURL.parseDID(did)
        guard parsed.method == "web" else {
            throw IdentityError(.invalidDid, "'\(did)' is not a did:web DID")
        }
        let segments = parsed.methodSpecificID.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let (host, port) = try splitHost(segments[0], in: did)
        let path = Array(segments.dropFirst())
        for segment in path where segment.isEmpty || segment == "." || segment == ".." {
            throw IdentityError(.invalidDid, "'\(did)' has an empty or dot path segment")
        }
        let scheme = allowLoopbackHTTP && isLoopback(host) ? "http" : "https"
        let authority = host + (port.map { ":\($0)" } ?? "")
        let location = path.isEmpty ? "/.well-known" : "/" + path.joined(separator: "/")
        guard let url = URL(string: "\(scheme)://\(authority)\(location)/did.json") else {
            throw IdentityError(.invalidDid, "'\(did)' does not map to a URL")
        }
        return url
    }

    /// The did:web DID whose document lives at `url` (the inverse of `documentURL(for:)`). Throws
    /// `invalidDid` when no DID maps to it: not https (or http on localhost when allowed), not ending
    /// in `/did.json`, an IP address host, a query, fragment or user info.
    public static func did(forDocumentURL url: URL, allowLoopbackHTTP: Bool = false) throws(IdentityError) -> String {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
            let scheme = components.scheme?.lowercased(), let host = components.host,
            components.user == nil, components.password == nil, components.query == nil, components.fragment == nil
        else {
            throw IdentityError(.invalidDid, "'\(url)' is not a plain URL with a host")
        }
        guard scheme == "https" || (scheme == "http" && allowLoopbackHTTP && isLoopback(host)) else {
            throw IdentityError(.invalidDid, "a did:web document is served over https, not '\(scheme)'")
        }
        try validateHostName(host, in: url.absoluteString)
        let path = components.percentEncodedPath
        guard path.hasSuffix("/did.json") else {
            throw IdentityError(.invalidDid, "'\(url)' does not end in /did.json")
        }
        var segments: [String] = []
        if path != "/.well-known/did.json" {
            segments = path.dropLast("/did.json".count).split(separator: "/", omittingEmptySubsequences: false).dropFirst()
                .map(String.init)
            guard !segments.isEmpty,
                segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && DIDURL.isIDChars($0) })
            else {
                throw IdentityError(.invalidDid, "the path of '\(url)' cannot be written as did:web segments")
            }
        }
        let port = components.port.map { "%3A\($0)" } ?? ""
        return "did:web:" + host + port + segments.map { ":" + $0 }.joined()
    }

    /// The DID document of an operator's did:web DID from its key records (see REQ-NF05).
    ///
    /// Every key becomes a `Multikey` verification method with its `validFrom` (a Voltpass extension
    /// defined in the document's `@context`, see `extensionContext`, since no standard term says when
    /// a key became valid); a retired key (with `validUntil`) also carries `revoked`, the Controlled
    /// Identifiers term for when it stopped being valid. Current keys are listed in all four signing
    /// relationships; retired keys stay in `assertionMethod`, so credentials issued while they were
    /// valid still verify when the verifier checks the signing time (`DIDDocument.isAuthorized`).
    /// Methods are ordered by `validFrom`.
    ///
    /// Throws `invalidDid` for a DID that is not did:web, and `invalidKeyHistory` when a record belongs
    /// to another controller, its id is not a fragment of the DID or repeats, its key does not decode
    /// as its algorithm, or it was retired before it became valid.
    public static func document(did: String, keys: [KeyRecord], services: [DIDService] = []) throws(IdentityError) -> DIDDocument {
        _ = try documentURL(for: did, allowLoopbackHTTP: true)
        var seen: Set<String> = []
        for record in keys {
            guard record.controller == did else {
                throw IdentityError(.invalidKeyHistory, "key \(record.id) belongs to \(record.controller), not \(did)")
            }
            guard record.id.hasPrefix(did + "#"), record.id.count > did.count + 1, seen.insert(record.id).inserted else {
                throw IdentityError(.invalidKeyHistory, "key id \(record.id) is not a unique fragment of \(did)")
            }
            let key: PublicKey
            do {
                key = try Multikey.decodePublicKey(record.publicKeyMultibase)
            } catch {
                throw IdentityError(.invalidKeyHistory, "key \(record.id): \(error.message)")
            }
            guard key.algorithm == record.algorithm else {
                throw IdentityError(
                    .invalidKeyHistory, "key \(record.id) is recorded as \(record.algorithm.rawValue) but is \(key.algorithm.rawValue)")
            }
            if let validUntil = record.validUntil, validUntil <= record.validFrom {
                throw IdentityError(.invalidKeyHistory, "key \(record.id) was retired before it became valid")
            }
        }

        let ordered = keys.enumerated().sorted { ($0.element.validFrom, $0.offset) < ($1.element.validFrom, $1.offset) }
            .map(\.element)
        let methods: [JSONValue] = ordered.map { record in
            var method: JSONObject = [
                "id": .string(record.id),
                "type": "Multikey",
                "controller": .string(did),
                "publicKeyMultibase": .string(record.publicKeyMultibase),
                "validFrom": .string(DateTimeStamp.format(record.validFrom)),
            ]
            if let validUntil = record.validUntil {
                method["revoked"] = .string(DateTimeStamp.format(validUntil))
            }
            return .object(method)
        }
        let all = ordered.map { JSONValue.string($0.id) }
        let current = ordered.filter { $0.validUntil == nil }.map { JSONValue.string($0.id) }
        var document: JSONObject = [
            "@context": documentContext,
            "id": .string(did),
            "verificationMethod": .array(methods),
            "authentication": .array(current),
            "assertionMethod": .array(all),
            "capabilityInvocation": .array(current),
            "capabilityDelegation": .array(current),
        ]
        if !services.isEmpty {
            document["service"] = .array(services.map { .object(["id": .string(did + "#" + $0.fragment), "type": .string($0.type), "serviceEndpoint": .string($0.endpoint)]) })
        }
        return try DIDDocument(.object(document))
    }

    static func isLoopback(_ host: String) -> Bool {
        host.lowercased() == "localhost"
    }

    /// Splits `host[%3Aport]` and validates both parts.
    private static func splitHost(_ segment: String, in did: String) throws(IdentityError) -> (host: String, port: Int?) {
        let parts = segment.replacingOccurrences(of: "%3a", with: "%3A").components(separatedBy: "%3A")
        guard parts.count <= 2 else {
            throw IdentityError(.invalidDid, "'\(did)' has more than one port separator")
        }
        try validateHostName(parts[0], in: did)
        guard parts.count == 2 else { return (parts[0], nil) }
        guard !parts[1].isEmpty, parts[1].count <= 5, parts[1].allSatisfy(\.isASCIIDigit),
            let port = Int(parts[1]), (1...65535).contains(port)
        else {
            throw IdentityError(.invalidDid, "'\(did)' has an invalid port '\(parts[1])'")
        }
        return (parts[0], port)
    }

    /// A DNS name: dot-separated labels of letters, digits and inner hyphens, whose last label is not a
    /// number (decimal or `0x` hex), since URL parsers read such a host as an IPv4 address.
    private static func validateHostName(_ host: String, in context: String) throws(IdentityError) {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard !host.isEmpty, host.utf8.count <= 253,
            labels.allSatisfy({ label in
                (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            })
        else {
            throw IdentityError(.invalidDid, "'\(context)' does not have a valid domain name host")
        }
        let last = labels[labels.count - 1].lowercased()
        let isHexNumber = last.hasPrefix("0x") && last.dropFirst(2).allSatisfy(\.isHexDigit)
        guard !last.allSatisfy(\.isASCIIDigit), !isHexNumber else {
            throw IdentityError(.invalidDid, "'\(context)' has an IP address host; did:web needs a domain name")
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// A service a DID document lists (DID Core §5.4): its fragment, type and endpoint URI.
public struct DIDService: Sendable, Hashable {
    public var fragment: String
    public var type: String
    public var endpoint: String

    public init(fragment: String, type: String, endpoint: String) {
        self.fragment = fragment
        self.type = type
        self.endpoint = endpoint
    }

    /// The Cardano payment address that anchors the DID's passport trie and signs its ledger
    /// transactions, as a CIP-13 `web+cardano:` URI.
    public static func cardanoPaymentAddress(_ bech32: String) -> DIDService {
        DIDService(fragment: "cardano-payment", type: cardanoPaymentType, endpoint: "web+cardano:" + bech32)
    }

    public static let cardanoPaymentType = "CardanoPaymentAddress"
}

extension DIDDocument {
    /// The Cardano payment address the document lists (service `CardanoPaymentAddress`), in Bech32.
    public var cardanoPaymentAddress: String? {
        for service in json["service"]?.arrayValue ?? [] where service["type"]?.stringValue == DIDService.cardanoPaymentType {
            if let endpoint = service["serviceEndpoint"]?.stringValue, endpoint.hasPrefix("web+cardano:") {
                return String(endpoint.dropFirst("web+cardano:".count))
            }
        }
        return nil
    }
}
