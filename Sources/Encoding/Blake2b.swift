/// A rejected BLAKE2b parameter.
public struct Blake2bError: CodedError, Equatable {
    /// `invalid_digest_length` (not 1…64 bytes) or `invalid_key_length` (more than 64 bytes).
    public let code: String
    /// What was wrong.
    public let message: String
}

/// BLAKE2b (RFC 7693): digests of 1…64 bytes, optionally keyed. Cardano uses BLAKE2b-256 (transaction
/// ids, datum hashes, Merkle Patricia Forestry nodes) and BLAKE2b-224 (key and script hashes).
///
/// Hash in one call with ``hash256(_:)`` and friends, or stream with ``update(_:)`` and
/// ``finalize()``. The hasher keeps its state inline (no heap allocation), so hashing allocates
/// only the returned digest.
public struct Blake2b: Sendable {
    /// The digest size in bytes, 1…64.
    public let digestLength: Int
    private var chain: ChainValue
    /// The pending block. BLAKE2b compresses the last block differently, so a full block stays
    /// here until more input arrives or the hash is finalized.
    private var block = Block()
    private var blockCount = 0
    private var counterLow: UInt64 = 0
    private var counterHigh: UInt64 = 0

    /// A hasher for `digestLength`-byte digests, keyed (MAC mode) when `key` is not empty.
    /// Errors: `invalid_digest_length` outside 1…64, `invalid_key_length` above 64 bytes.
    public init(digestLength: Int = 64, key: [UInt8] = []) throws(Blake2bError) {
        guard (1...64).contains(digestLength) else {
            throw Blake2bError(code: "invalid_digest_length", message: "BLAKE2b digests are 1…64 bytes, not \(digestLength)")
        }
        guard key.count <= 64 else {
            throw Blake2bError(code: "invalid_key_length", message: "BLAKE2b keys are at most 64 bytes, not \(key.count)")
        }
        self.init(validDigestLength: digestLength, keyLength: key.count)
        if !key.isEmpty {
            // The key, zero-padded, is the first block.
            key.withUnsafeBytes { key in
                withUnsafeMutableBytes(of: &block) { $0.copyMemory(from: key) }
            }
            blockCount = Block.size
        }
    }

    private init(validDigestLength digestLength: Int, keyLength: Int) {
        self.digestLength = digestLength
        chain = ChainValue(digestLength: digestLength, keyLength: keyLength)
    }

    /// Adds `bytes` to the message. Contiguous collections (`Array`, `Data`, buffer pointers) are
    /// read in place.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { absorb(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { absorb($0) }
        }
    }

    /// Adds the bytes in `buffer` to the message.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        absorb(buffer)
    }

    /// The digest of everything added so far.
    public consuming func finalize() -> [UInt8] {
        addToCounter(blockCount)
        let filled = blockCount
        withUnsafeMutableBytes(of: &block) { bytes in
            for index in filled..<Block.size { bytes[index] = 0 }
        }
        let last = withUnsafeBytes(of: block) {
            Self.compress(chain, $0, counterLow: counterLow, counterHigh: counterHigh, isLast: true)
        }
        return last.digest(length: digestLength)
    }

    /// The `digestLength`-byte digest of `bytes`, keyed when `key` is not empty. Errors as for
    /// ``init(digestLength:key:)``.
    public static func hash(
        _ bytes: some Collection<UInt8>, digestLength: Int, key: [UInt8] = []
    ) throws(Blake2bError) -> [UInt8] {
        var hasher = try Blake2b(digestLength: digestLength, key: key)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// BLAKE2b-256 of `bytes` (Cardano transaction ids, datum hashes, trie nodes).
    public static func hash256(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = Blake2b(validDigestLength: 32, keyLength: 0)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// BLAKE2b-256 of `bytes`, read in place without generic dispatch.
    public static func hash256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = Blake2b(validDigestLength: 32, keyLength: 0)
        hasher.absorb(bytes)
        return hasher.finalize()
    }

    /// BLAKE2b-256 of `first` followed by `second`, without building the concatenation (as a
    /// Merkle trie hashes two child hashes).
    public static func hash256(_ first: some Collection<UInt8>, _ second: some Collection<UInt8>) -> [UInt8] {
        var hasher = Blake2b(validDigestLength: 32, keyLength: 0)
        hasher.update(first)
        hasher.update(second)
        return hasher.finalize()
    }

    /// BLAKE2b-224 of `bytes` (Cardano key hashes, script hashes, policy ids).
    public static func hash224(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = Blake2b(validDigestLength: 28, keyLength: 0)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// BLAKE2b-512 of `bytes`.
    public static func hash512(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = Blake2b(validDigestLength: 64, keyLength: 0)
        hasher.update(bytes)
        return hasher.finalize()
    }

    private mutating func absorb(_ input: UnsafeRawBufferPointer) {
        var rest = input[...]
        guard !rest.isEmpty else { return }
        if blockCount > 0 {
            let filled = blockCount
            let taken = min(Block.size - filled, rest.count)
            withUnsafeMutableBytes(of: &block) { bytes in
                UnsafeMutableRawBufferPointer(rebasing: bytes[filled..<(filled + taken)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(taken)))
            }
            blockCount += taken
            rest = rest.dropFirst(taken)
            // Keep a full block until we know it is not the last.
            guard !rest.isEmpty else { return }
            addToCounter(Block.size)
            chain = withUnsafeBytes(of: block) {
                Self.compress(chain, $0, counterLow: counterLow, counterHigh: counterHigh, isLast: false)
            }
            blockCount = 0
        }
        while rest.count > Block.size {
            addToCounter(Block.size)
            chain = Self.compress(
                chain, UnsafeRawBufferPointer(rebasing: rest.prefix(Block.size)),
                counterLow: counterLow, counterHigh: counterHigh, isLast: false)
            rest = rest.dropFirst(Block.size)
        }
        withUnsafeMutableBytes(of: &block) { bytes in
            UnsafeMutableRawBufferPointer(rebasing: bytes[..<rest.count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: rest))
        }
        blockCount = rest.count
    }

    /// Adds to the 128-bit count of message bytes (key block included).
    private mutating func addToCounter(_ count: Int) {
        let (sum, overflow) = counterLow.addingReportingOverflow(UInt64(count))
        counterLow = sum
        if overflow { counterHigh &+= 1 }
    }

    /// The compression function F over one 128-byte block (RFC 7693 §3.2), fully unrolled with
    /// the message schedule SIGMA written out as arguments.
    private static func compress(
        _ h: ChainValue, _ block: UnsafeRawBufferPointer, counterLow: UInt64, counterHigh: UInt64, isLast: Bool
    ) -> ChainValue {
        @inline(__always) func word(_ index: Int) -> UInt64 {
            UInt64(littleEndian: block.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        let m0 = word(0), m1 = word(1), m2 = word(2), m3 = word(3)
        let m4 = word(4), m5 = word(5), m6 = word(6), m7 = word(7)
        let m8 = word(8), m9 = word(9), m10 = word(10), m11 = word(11)
        let m12 = word(12), m13 = word(13), m14 = word(14), m15 = word(15)

        var v = WorkVector(h, counterLow: counterLow, counterHigh: counterHigh, isLast: isLast)
        v.round(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15)
        v.round(m14, m10, m4, m8, m9, m15, m13, m6, m1, m12, m0, m2, m11, m7, m5, m3)
        v.round(m11, m8, m12, m0, m5, m2, m15, m13, m10, m14, m3, m6, m7, m1, m9, m4)
        v.round(m7, m9, m3, m1, m13, m12, m11, m14, m2, m6, m5, m10, m4, m0, m15, m8)
        v.round(m9, m0, m5, m7, m2, m4, m10, m15, m14, m1, m11, m12, m6, m8, m3, m13)
        v.round(m2, m12, m6, m10, m0, m11, m8, m3, m4, m13, m7, m5, m15, m14, m1, m9)
        v.round(m12, m5, m1, m15, m14, m13, m4, m10, m0, m7, m6, m3, m9, m2, m8, m11)
        v.round(m13, m11, m7, m14, m12, m1, m3, m9, m5, m0, m15, m4, m8, m6, m2, m10)
        v.round(m6, m15, m14, m9, m11, m3, m0, m8, m12, m2, m13, m7, m1, m4, m10, m5)
        v.round(m10, m2, m8, m4, m7, m6, m1, m5, m15, m11, m9, m14, m3, m12, m13, m0)
        v.round(m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15)
        v.round(m14, m10, m4, m8, m9, m15, m13, m6, m1, m12, m0, m2, m11, m7, m5, m3)

        return ChainValue(
            h0: h.h0 ^ v.v0 ^ v.v8, h1: h.h1 ^ v.v1 ^ v.v9, h2: h.h2 ^ v.v2 ^ v.v10, h3: h.h3 ^ v.v3 ^ v.v11,
            h4: h.h4 ^ v.v4 ^ v.v12, h5: h.h5 ^ v.v5 ^ v.v13, h6: h.h6 ^ v.v6 ^ v.v14, h7: h.h7 ^ v.v7 ^ v.v15)
    }
}

/// The initialization vector (the SHA-512 IV), RFC 7693 §2.6.
private let iv: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
    0x6A09_E667_F3BC_C908, 0xBB67_AE85_84CA_A73B, 0x3C6E_F372_FE94_F82B, 0xA54F_F53A_5F1D_36F1,
    0x510E_527F_ADE6_82D1, 0x9B05_688C_2B3E_6C1F, 0x1F83_D9AB_FB41_BD6B, 0x5BE0_CD19_137E_2179
)

/// The eight-word state h[0…7] carried from block to block.
private struct ChainValue: Sendable {
    var h0, h1, h2, h3, h4, h5, h6, h7: UInt64

    init(h0: UInt64, h1: UInt64, h2: UInt64, h3: UInt64, h4: UInt64, h5: UInt64, h6: UInt64, h7: UInt64) {
        (self.h0, self.h1, self.h2, self.h3, self.h4, self.h5, self.h6, self.h7) = (h0, h1, h2, h3, h4, h5, h6, h7)
    }

    /// The IV mixed with the parameter block: digest length, key length, fanout 1, depth 1.
    init(digestLength: Int, keyLength: Int) {
        self.init(
            h0: iv.0 ^ 0x0101_0000 ^ UInt64(keyLength) << 8 ^ UInt64(digestLength),
            h1: iv.1, h2: iv.2, h3: iv.3, h4: iv.4, h5: iv.5, h6: iv.6, h7: iv.7)
    }

    /// The first `length` bytes of h[0…7] in little-endian order.
    func digest(length: Int) -> [UInt8] {
        let words = (
            h0.littleEndian, h1.littleEndian, h2.littleEndian, h3.littleEndian,
            h4.littleEndian, h5.littleEndian, h6.littleEndian, h7.littleEndian
        )
        return withUnsafeBytes(of: words) { Array($0.prefix(length)) }
    }
}

/// A 128-byte message block, stored inline.
private struct Block: Sendable {
    static let size = 128
    var words: (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
}

/// The sixteen-word working vector v[0…15] of one compression.
private struct WorkVector {
    var v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15: UInt64

    @inline(__always)
    init(_ h: ChainValue, counterLow: UInt64, counterHigh: UInt64, isLast: Bool) {
        (v0, v1, v2, v3, v4, v5, v6, v7) = (h.h0, h.h1, h.h2, h.h3, h.h4, h.h5, h.h6, h.h7)
        (v8, v9, v10, v11) = (iv.0, iv.1, iv.2, iv.3)
        v12 = iv.4 ^ counterLow
        v13 = iv.5 ^ counterHigh
        v14 = isLast ? ~iv.6 : iv.6
        v15 = iv.7
    }

    /// One round: G on the four columns, then on the four diagonals, with the message words
    /// already permuted by this round's SIGMA.
    @inline(__always)
    mutating func round(
        _ s0: UInt64, _ s1: UInt64, _ s2: UInt64, _ s3: UInt64, _ s4: UInt64, _ s5: UInt64, _ s6: UInt64, _ s7: UInt64,
        _ s8: UInt64, _ s9: UInt64, _ s10: UInt64, _ s11: UInt64, _ s12: UInt64, _ s13: UInt64, _ s14: UInt64, _ s15: UInt64
    ) {
        Self.mix(&v0, &v4, &v8, &v12, s0, s1)
        Self.mix(&v1, &v5, &v9, &v13, s2, s3)
        Self.mix(&v2, &v6, &v10, &v14, s4, s5)
        Self.mix(&v3, &v7, &v11, &v15, s6, s7)
        Self.mix(&v0, &v5, &v10, &v15, s8, s9)
        Self.mix(&v1, &v6, &v11, &v12, s10, s11)
        Self.mix(&v2, &v7, &v8, &v13, s12, s13)
        Self.mix(&v3, &v4, &v9, &v14, s14, s15)
    }

    /// The mixing function G (RFC 7693 §3.1), rotations 32, 24, 16, 63.
    @inline(__always)
    static func mix(_ a: inout UInt64, _ b: inout UInt64, _ c: inout UInt64, _ d: inout UInt64, _ x: UInt64, _ y: UInt64) {
        a = a &+ b &+ x
        d = rotateRight(d ^ a, 32)
        c = c &+ d
        b = rotateRight(b ^ c, 24)
        a = a &+ b &+ y
        d = rotateRight(d ^ a, 16)
        c = c &+ d
        b = rotateRight(b ^ c, 63)
    }

    @inline(__always)
    static func rotateRight(_ x: UInt64, _ n: UInt64) -> UInt64 {
        (x >> n) | (x << (64 - n))
    }
}
