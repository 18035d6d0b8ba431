import Encoding

/// A COSE header map (RFC 9052 §3): labels are integers or text strings, values any CBOR.
/// The common parameters this implementation understands have typed accessors.
public struct COSEHeaders: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// Header labels of RFC 9052 §3.1 that this implementation understands (and so may be critical).
    public enum Label {
        public static let algorithm: CBOR = 1
        public static let critical: CBOR = 2
        public static let contentType: CBOR = 3
        public static let keyID: CBOR = 4
        /// The media type of the whole message (RFC 9596), e.g. `application/vc+cose`.
        public static let type: CBOR = 16
        static let understood: Set<CBOR> = [algorithm, critical, contentType, keyID]
    }

    /// The entries in the order received or given (encoding sorts them deterministically).
    public var entries: [CBOR.Pair]

    /// A header map with these entries.
    public init(_ entries: [CBOR.Pair] = []) { self.entries = entries }

    public init(dictionaryLiteral elements: (CBOR, CBOR)...) {
        entries = elements.map { CBOR.Pair($0.0, $0.1) }
    }

    /// Whether the map has no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// The value under `label`, or nil.
    public subscript(label: CBOR) -> CBOR? {
        get { entries.first(where: { $0.key == label })?.value }
        set {
            entries.removeAll(where: { $0.key == label })
            if let newValue { entries.append(CBOR.Pair(label, newValue)) }
        }
    }

    /// The key identifier (label 4), when present and a byte string.
    public var keyID: [UInt8]? { self[Label.keyID]?.bytesValue }

    /// The content type (label 3): a CoAP content-format number or a media type text.
    public var contentType: CBOR? { self[Label.contentType] }

    /// Reads a header map from a decoded item, checking that labels are integers or text and that the
    /// understood parameters have the types RFC 9052 §3.1 gives them. Throws `cose_malformed`.
    init(decoded item: CBOR, bucket: String) throws(COSEError) {
        guard let pairs = item.mapValue else {
            throw COSEError(.malformed, "the \(bucket) header is not a map")
        }
        for pair in pairs {
            switch pair.key {
            case .unsigned, .negative, .text: break
            default: throw COSEError(.malformed, "the \(bucket) header has a label that is neither an integer nor text")
            }
        }
        self.init(pairs)
        if let kid = self[Label.keyID], kid.bytesValue == nil {
            throw COSEError(.malformed, "the kid in the \(bucket) header is not a byte string")
        }
        if let type = self[Label.contentType] {
            switch type {
            case .unsigned, .text: break
            default: throw COSEError(.malformed, "the content type in the \(bucket) header is neither an unsigned integer nor text")
            }
        }
    }

    /// The deterministic encoding of a non-empty map; an empty map is the zero-length byte string
    /// (RFC 9052 §3).
    func serialized() throws(COSEError) -> [UInt8] {
        guard !entries.isEmpty else { return [] }
        do {
            return try CBOR.map(entries).encode()
        } catch {
            throw COSEError(.malformed, "the header map cannot be encoded: \(error.message)")
        }
    }
}
