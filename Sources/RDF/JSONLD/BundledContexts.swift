import Crypto
import Encoding
import Foundation

/// The JSON-LD contexts shipped with Voltpass (`Sources/RDF/Contexts`: VC v1 and v2 and their
/// examples, Data Integrity v1 and v2, Multikey, JWK, DID v1 and v1.1, Bitstring Status List,
/// GS1 EPCIS 2.0, Ed25519Signature2020, Ed25519Signature2018, JsonWebSignature2020, security v1 and
/// v2, citizenship, VDL, and Voltpass's own battery and VSC vocabularies), each pinned by the SHA-256
/// in `context-map.json` and checked when first read; nothing is ever fetched. `extra` adds documents
/// the service defines itself (its own vocabularies).
public struct BundledContexts: JSONLDContextLoader {
    private let documents: [String: JSONValue]

    /// The shipped contexts; a file that does not match its pin is left out (and so `jsonld_context_unknown`).
    public static let shipped: [String: JSONValue] = shippedBytes.compactMapValues { try? JSONValue(parsing: $0) }

    /// The exact bytes of each shipped context that matches its pin, by URL (what Voltpass serves
    /// of its own contexts).
    public static let shippedBytes: [String: [UInt8]] = {
        guard let mapURL = Bundle.module.url(forResource: "context-map", withExtension: "json", subdirectory: "Contexts"),
            let mapData = try? Data(contentsOf: mapURL), let map = try? JSONValue(parsing: Array(mapData)).objectValue
        else { return [:] }
        var documents: [String: [UInt8]] = [:]
        for (url, entry) in map {
            guard let file = entry["file"]?.stringValue, let pinned = entry["sha256"]?.stringValue,
                let fileURL = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Contexts"),
                let bytes = try? Data(contentsOf: fileURL), Hex.encode(Array(SHA256.hash(data: bytes))) == pinned
            else { continue }
            documents[url] = Array(bytes)
        }
        return documents
    }()

    /// Where Voltpass's own vocabularies live; their contexts are served at the paths of their IRIs.
    public static let voltpassNamespace = "https://voltpass.dev/ns/"

    public let cacheIdentity: String?

    public init(extra: [String: JSONValue] = [:]) {
        documents = Self.shipped.merging(extra) { shipped, _ in shipped }
        // The shipped documents are fixed; extra ones name the loader by their content.
        cacheIdentity = "bundled" + extra.sorted { $0.key < $1.key }.map { " \($0.key)#\($0.value.hashValue)" }.joined()
    }

    public func document(_ url: String) throws(JSONLDError) -> JSONValue {
        guard let document = documents[url] else { throw JSONLDError(.contextUnknown, "no bundled context for \(url); none is fetched") }
        return document
    }

    /// The URLs served.
    public var urls: [String] { documents.keys.sorted() }
}
