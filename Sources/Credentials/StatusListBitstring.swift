import Encoding

/// The bitstring of a Bitstring Status List v1.0: `entryCount` entries of `statusSize` bits each.
/// Index 0 is the most significant bit of the first byte; entry `i` occupies bits
/// `[i × statusSize, (i + 1) × statusSize)`, read most significant bit first.
public struct StatusListBitstring: Sendable, Equatable {
    /// The smallest list the specification allows: 131,072 entries (16 KiB at one bit each), so that
    /// one credential's status cannot be told apart from its neighbours'.
    public static let minimumEntryCount = 131_072

    /// The raw bytes.
    public private(set) var bytes: [UInt8]
    /// Bits per entry (1 for revocation and suspension lists).
    public let statusSize: Int

    /// How many entries the bitstring holds.
    public var entryCount: Int { bytes.count * 8 / statusSize }

    /// A list of `entryCount` entries, all 0. The bit length is rounded up to whole bytes.
    public init(entryCount: Int = minimumEntryCount, statusSize: Int = 1) {
        precondition(entryCount >= 0 && statusSize > 0, "entryCount must be non-negative and statusSize positive")
        self.bytes = [UInt8](repeating: 0, count: (entryCount * statusSize + 7) / 8)
        self.statusSize = statusSize
    }

    /// A bitstring over existing bytes.
    public init(bytes: [UInt8], statusSize: Int = 1) {
        precondition(statusSize > 0, "statusSize must be positive")
        self.bytes = bytes
        self.statusSize = statusSize
    }

    /// Decodes an `encodedList`: `u` + base64url (no padding) of the GZIP-compressed bitstring. A missing
    /// prefix, bad base64url or bad GZIP is `status_list_invalid`; the decompressed size is limited to
    /// `maximumSize` bytes. The minimum length is not checked here (see `checkMinimumLength()`).
    public init(
        encodedList: String, statusSize: Int = 1, maximumSize: Int = StatusListGzip.defaultMaximumSize
    ) throws(StatusListError) {
        guard encodedList.hasPrefix("u") else {
            throw StatusListError(.statusListInvalid, "encodedList must be multibase base64url (start with 'u')")
        }
        // base64url of at most maximumSize bytes of compressed data: a cheap bound before decoding.
        guard encodedList.utf8.count <= maximumSize / 3 * 4 + 8 else {
            throw StatusListError(.statusListInvalid, "encodedList is longer than the size limit allows")
        }
        let compressed: [UInt8]
        do {
            compressed = try Multibase.decode(encodedList).bytes
        } catch {
            throw StatusListError(.statusListInvalid, "encodedList is not valid base64url: \(error.message)")
        }
        self.init(bytes: try StatusListGzip.decompress(compressed, maximumSize: maximumSize), statusSize: statusSize)
    }

    /// The `encodedList` value: `u` + base64url(GZIP(bytes)).
    public var encodedList: String {
        get throws(StatusListError) { Multibase.encode(try StatusListGzip.compress(bytes), as: .base64url) }
    }

    /// Fails with `status_list_length_error` when the list has fewer than 131,072 entries.
    public func checkMinimumLength() throws(StatusListError) {
        guard entryCount >= Self.minimumEntryCount else {
            throw StatusListError(
                .statusListLengthError,
                "the status list has \(entryCount) entries of \(statusSize) bit(s); at least \(Self.minimumEntryCount) are required")
        }
    }

    /// The status value of entry `index`; `range_error` when the index is past the end.
    public func status(at index: Int) throws(StatusListError) -> Int {
        try checkRange(index)
        var value = 0
        for bit in index * statusSize..<(index + 1) * statusSize {
            value = value << 1 | Int(bytes[bit >> 3] >> (7 - UInt8(bit & 7)) & 1)
        }
        return value
    }

    /// Sets entry `index` to `value` (its low `statusSize` bits); `range_error` when the index is past the end.
    public mutating func setStatus(_ value: Int, at index: Int) throws(StatusListError) {
        try checkRange(index)
        for (offset, bit) in (index * statusSize..<(index + 1) * statusSize).enumerated() {
            let mask = UInt8(0x80) >> UInt8(bit & 7)
            if value >> (statusSize - 1 - offset) & 1 == 1 {
                bytes[bit >> 3] |= mask
            } else {
                bytes[bit >> 3] &= ~mask
            }
        }
    }

    /// The indices of entries whose status is not 0, in ascending order.
    public var nonZeroIndices: [Int] {
        (0..<entryCount).filter { (try? status(at: $0)) != 0 }
    }

    private func checkRange(_ index: Int) throws(StatusListError) {
        guard index >= 0, index < entryCount else {
            throw StatusListError(.rangeError, "status list index \(index) is outside the list's \(entryCount) entries")
        }
    }
}
