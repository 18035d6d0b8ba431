import Encoding

/// A Plutus script as it appears in witness sets and reference scripts: the language and the script
/// bytes (a blueprint's `compiledCode`, i.e. the flat program wrapped once in a CBOR byte string).
public struct PlutusScript: Sendable, Hashable {
    /// The language.
    public let language: PlutusLanguage
    /// The script bytes.
    public let bytes: [UInt8]

    /// Creates a script.
    public init(language: PlutusLanguage, bytes: [UInt8]) {
        self.language = language
        self.bytes = bytes
    }

    /// The script hash (policy id, payment credential): BLAKE2b-224 of the language tag byte
    /// (1 for V1, 2 for V2, 3 for V3) followed by the script bytes.
    public var hash: [UInt8] { Blake2b.hash224([language.rawValue + 1] + bytes) }

    /// The `script` CBOR `[language + 1, bytes]` that a reference script (`#6.24`) wraps. The
    /// reference-script fee counts `bytes.count` per script.
    public var referenceScriptCBOR: [UInt8] {
        var writer = CBORWriter(capacity: bytes.count + 8)
        writer.appendHead(.array, 2)
        writer.appendHead(.unsigned, UInt64(language.rawValue) + 1)
        writer.appendHead(.bytes, UInt64(bytes.count))
        writer.appendRaw(bytes)
        return writer.bytes
    }
}
