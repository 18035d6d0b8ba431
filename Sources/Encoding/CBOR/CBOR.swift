/// A CBOR data item (RFC 8949) in the generic data model.
///
/// Equality and hashing follow the data model, not a particular serialization: map entries compare
/// without regard to order, floats compare by value including sign and NaN payload (so `0.0 != -0.0`
/// and `NaN == NaN`), and text compares by its UTF-8 bytes (no Unicode normalization).
/// How an item was serialized (argument width, float width, indefinite lengths) is not kept; use
/// `CBORReader` to get the exact bytes of a sub-item as received.
public enum CBOR: Sendable {
    /// Major type 0: the unsigned integer `n`.
    case unsigned(UInt64)
    /// Major type 1: the negative integer `-1 - n`, so `.negative(UInt64.max)` is -2^64.
    case negative(UInt64)
    /// Major type 2: a byte string.
    case bytes([UInt8])
    /// Major type 3: a text string.
    case text(String)
    /// Major type 4: an array.
    case array([CBOR])
    /// Major type 5: a map, as its entries in the order received or given.
    case map([Pair])
    /// Major type 6: a tag number and its content.
    indirect case tagged(UInt64, CBOR)
    /// Major type 7: a simple value other than false, true, null and undefined (0–19 or 32–255).
    case simple(UInt8)
    /// `false` or `true` (simple values 20 and 21).
    case bool(Bool)
    /// `null` (simple value 22).
    case null
    /// `undefined` (simple value 23).
    case undefined
    /// A floating-point number of any width; it is encoded in the shortest exact width.
    case float(Double)

    /// One entry of a map.
    public struct Pair: Sendable, Hashable {
        /// The key, any data item.
        public var key: CBOR
        /// The value stored under the key.
        public var value: CBOR

        /// Creates a map entry.
        public init(_ key: CBOR, _ value: CBOR) {
            self.key = key
            self.value = value
        }
    }
}

// MARK: - Construction

extension CBOR {
    /// An integer item for a signed value.
    public init(_ value: Int) {
        self = value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value))
    }

    /// An integer item for a signed 64-bit value.
    public init(_ value: Int64) {
        self = value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value))
    }

    /// An unsigned integer item.
    public init(_ value: UInt64) {
        self = .unsigned(value)
    }

    /// An integer of any size from its big-endian magnitude `n`: the value is `n`, or `-1 - n` when
    /// `negative` (as in major type 1 and tag 3). Uses major type 0/1 when `n` fits in 64 bits, else a
    /// bignum (tag 2 or 3) without leading zero bytes, which is the preferred serialization of RFC
    /// 8949 §3.4.3.
    public static func integer(bigEndianMagnitude: some Collection<UInt8>, negative: Bool) -> CBOR {
        let digits = Array(bigEndianMagnitude.drop(while: { $0 == 0 }))
        if digits.count <= 8 {
            let n = digits.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return negative ? .negative(n) : .unsigned(n)
        }
        return .tagged(negative ? 3 : 2, .bytes(digits))
    }
}

// MARK: - Accessors

extension CBOR {
    /// The value of an integer item that fits in `Int64`.
    public var intValue: Int64? {
        switch self {
        case .unsigned(let n): return n <= UInt64(Int64.max) ? Int64(n) : nil
        case .negative(let n): return n <= UInt64(Int64.max) ? -1 - Int64(n) : nil
        default: return nil
        }
    }

    /// The value of a non-negative integer item (major type 0).
    public var uint64Value: UInt64? {
        if case .unsigned(let n) = self { return n }
        return nil
    }

    /// The sign and big-endian magnitude `n` (no leading zero bytes) of an integer item of any size:
    /// major type 0 or 1, or a bignum (tag 2 or 3 around a byte string). The value is `n`, or `-1 - n`
    /// when `negative`.
    public var bigIntegerValue: (negative: Bool, magnitude: [UInt8])? {
        func minimal(_ n: UInt64) -> [UInt8] {
            let count = (64 - n.leadingZeroBitCount + 7) / 8
            return (0..<count).reversed().map { UInt8(truncatingIfNeeded: n >> (8 * $0)) }
        }
        switch self {
        case .unsigned(let n): return (false, minimal(n))
        case .negative(let n): return (true, minimal(n))
        case .tagged(2, .bytes(let b)): return (false, Array(b.drop(while: { $0 == 0 })))
        case .tagged(3, .bytes(let b)): return (true, Array(b.drop(while: { $0 == 0 })))
        default: return nil
        }
    }

    /// The bytes of a byte string item.
    public var bytesValue: [UInt8]? {
        if case .bytes(let b) = self { return b }
        return nil
    }

    /// The string of a text string item.
    public var textValue: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// The elements of an array item.
    public var arrayValue: [CBOR]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The entries of a map item.
    public var mapValue: [Pair]? {
        if case .map(let m) = self { return m }
        return nil
    }

    /// The value of a boolean item.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value of a floating-point item.
    public var doubleValue: Double? {
        if case .float(let d) = self { return d }
        return nil
    }

    /// The tag number and content of a tagged item.
    public var taggedValue: (tag: UInt64, content: CBOR)? {
        if case .tagged(let tag, let content) = self { return (tag, content) }
        return nil
    }

    /// The value stored under `key` when this is a map (the first match), else nil.
    public subscript(key: CBOR) -> CBOR? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first(where: { $0.key == key })?.value
    }
}

// MARK: - Equality and hashing

extension CBOR: Hashable {
    public static func == (lhs: CBOR, rhs: CBOR) -> Bool {
        switch (lhs, rhs) {
        case (.unsigned(let a), .unsigned(let b)): return a == b
        case (.negative(let a), .negative(let b)): return a == b
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.text(let a), .text(let b)): return a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): return a == b
        case (.map(let a), .map(let b)): return mapsEqual(a, b)
        case (.tagged(let tagA, let a), .tagged(let tagB, let b)): return tagA == tagB && a == b
        case (.simple(let a), .simple(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null), (.undefined, .undefined): return true
        case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern
        default: return false
        }
    }

    /// Maps are equal when they hold the same entries in any order.
    private static func mapsEqual(_ a: [Pair], _ b: [Pair]) -> Bool {
        guard a.count == b.count else { return false }
        if a == b { return true }
        return entries(a, allIn: b) && entries(b, allIn: a)
    }

    private static func entries(_ a: [Pair], allIn b: [Pair]) -> Bool {
        if b.count <= 16 { return a.allSatisfy(b.contains) }
        let set = Set(b)
        return a.allSatisfy(set.contains)
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .unsigned(let n):
            hasher.combine(0 as UInt8)
            hasher.combine(n)
        case .negative(let n):
            hasher.combine(1 as UInt8)
            hasher.combine(n)
        case .bytes(let b):
            hasher.combine(2 as UInt8)
            hasher.combine(b)
        case .text(let s):
            hasher.combine(3 as UInt8)
            var utf8 = s
            utf8.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
            hasher.combine(s.utf8.count)
        case .array(let a):
            hasher.combine(4 as UInt8)
            hasher.combine(a)
        case .map(let pairs):
            // Order-independent, to match `==`.
            hasher.combine(5 as UInt8)
            hasher.combine(pairs.count)
            var sum = 0
            for pair in pairs {
                var entryHasher = Hasher()
                entryHasher.combine(pair)
                sum &+= entryHasher.finalize()
            }
            hasher.combine(sum)
        case .tagged(let tag, let content):
            hasher.combine(6 as UInt8)
            hasher.combine(tag)
            hasher.combine(content)
        case .simple(let value):
            hasher.combine(7 as UInt8)
            hasher.combine(value)
        case .bool(let value):
            hasher.combine(8 as UInt8)
            hasher.combine(value)
        case .null:
            hasher.combine(9 as UInt8)
        case .undefined:
            hasher.combine(10 as UInt8)
        case .float(let d):
            hasher.combine(11 as UInt8)
            hasher.combine(d.bitPattern)
        }
    }
}

// MARK: - Literals

extension CBOR: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self.init(value) }
}

extension CBOR: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .float(value) }
}

extension CBOR: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension CBOR: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension CBOR: ExpressibleByNilLiteral {
    /// `nil` is CBOR `null`.
    public init(nilLiteral: ()) { self = .null }
}

extension CBOR: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: CBOR...) { self = .array(elements) }
}

extension CBOR: ExpressibleByDictionaryLiteral {
    /// Keeps the entries in the order written; encoding sorts them.
    public init(dictionaryLiteral elements: (CBOR, CBOR)...) {
        self = .map(elements.map { Pair($0.0, $0.1) })
    }
}
