import Encoding

/// A 32-byte BLAKE2b-256 digest: a trie node hash, a key's path or a value digest. Stored inline as
/// four words, so comparing, hashing and copying never touch the heap.
public struct Hash32: Hashable, Sendable, Comparable, CustomStringConvertible {
    @usableFromInline var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The null hash, 32 zero bytes: the root of the empty trie and the filler of empty branch slots.
    public static let null = Hash32(w0: 0, w1: 0, w2: 0, w3: 0)

    @usableFromInline init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// The hash whose bytes are `bytes`; nil unless there are exactly 32.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &words) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        (w0, w1, w2, w3) = words
    }

    /// The hash spelled by 64 hex digits; nil for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 64, let bytes = try? Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// BLAKE2b-256 of `bytes`.
    public init(hashing bytes: some Collection<UInt8>) {
        self.init(bytes: Blake2b.hash256(bytes))!
    }

    /// BLAKE2b-256 of the bytes in `buffer`.
    init(hashing buffer: UnsafeRawBufferPointer) {
        let digest = Blake2b.hash256(buffer)
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &words) { raw in
            digest.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
        (w0, w1, w2, w3) = words
    }

    /// The 32 bytes.
    public var bytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }

    /// Lowercase hex of the 32 bytes.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// Nibble `index` (0…63) of the hash read as a path: the high half of byte `index / 2` when
    /// `index` is even, the low half when odd.
    @inlinable public func nibble(_ index: Int) -> UInt8 {
        precondition(index >= 0 && index < 64, "nibble index out of range")
        let byte = withUnsafeBytes(of: self) { $0[index >> 1] }
        return index & 1 == 0 ? byte >> 4 : byte & 0x0F
    }

    /// Byte `index` (0…31).
    @inlinable public subscript(byte index: Int) -> UInt8 {
        withUnsafeBytes(of: self) { $0[index] }
    }

    /// Hashes two of the four words: the bytes are already a cryptographic digest, and trie walks
    /// look hashes up in sets and dictionaries by the thousand.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(w0)
        hasher.combine(w1)
    }

    public static func < (lhs: Hash32, rhs: Hash32) -> Bool {
        // Big-endian words order like the bytes they hold.
        (lhs.w0.bigEndian, lhs.w1.bigEndian, lhs.w2.bigEndian, lhs.w3.bigEndian)
            < (rhs.w0.bigEndian, rhs.w1.bigEndian, rhs.w2.bigEndian, rhs.w3.bigEndian)
    }
}
