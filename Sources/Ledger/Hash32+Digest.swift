import Encoding
import Trie

extension Hash32 {
    /// BLAKE2b-256 of `buffer` as a `Hash32`.
    ///
    /// `Hash32(bytes:)` is generic and not inlinable, so from this module it runs unspecialized and
    /// copies byte by byte through runtime metadata, which was most of the ledger's replay time.
    /// `Hash32` stores its 32 bytes inline in order (its `bytes` are its memory), so the digest is
    /// copied in directly; a test checks this against `Hash32(bytes:)`.
    static func digest(of buffer: UnsafeRawBufferPointer) -> Hash32 {
        Hash32(raw: Blake2b.hash256(buffer))
    }

    /// The hash whose bytes are `bytes`; nil unless there are exactly 32.
    static func exactly(_ bytes: [UInt8]) -> Hash32? {
        bytes.count == 32 ? Hash32(raw: bytes) : nil
    }

    private init(raw bytes: [UInt8]) {
        precondition(bytes.count == 32 && MemoryLayout<Hash32>.size == 32)
        self = .null
        bytes.withUnsafeBytes { source in withUnsafeMutableBytes(of: &self) { $0.copyMemory(from: source) } }
    }
}
