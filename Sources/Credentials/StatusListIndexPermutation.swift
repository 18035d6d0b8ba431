import Encoding

/// A keyed permutation of `0..<count`, so the n-th credential of a list gets a random-looking index
/// while the store only keeps a counter: the index for allocation number `n` is `index(n)`, distinct
/// for distinct `n`, and `allocationNumber(of:)` inverts it. A balanced Feistel network over the
/// smallest even power of two ≥ `count`, with BLAKE2b as round function and cycle walking back into range.
struct StatusListIndexPermutation: Sendable {
    let count: Int
    private let key: [UInt8]
    private let halfBits: Int
    private static let rounds = 6

    init(count: Int, key: [UInt8]) {
        precondition(count > 0, "a permutation needs at least one element")
        self.count = count
        self.key = key
        var bits = 2
        while 1 << bits < count { bits += 2 }
        halfBits = bits / 2
    }

    /// The index allocation number `number` (in `0..<count`) maps to.
    func index(_ number: Int) -> Int {
        var value = number
        repeat { value = encrypt(value) } while value >= count
        return value
    }

    /// The allocation number that maps to `index`.
    func allocationNumber(of index: Int) -> Int {
        var value = index
        repeat { value = decrypt(value) } while value >= count
        return value
    }

    private func encrypt(_ value: Int) -> Int {
        let mask = 1 << halfBits - 1
        var left = value >> halfBits
        var right = value & mask
        for round in 0..<Self.rounds {
            (left, right) = (right, left ^ self.round(round, right))
        }
        return left << halfBits | right
    }

    private func decrypt(_ value: Int) -> Int {
        let mask = 1 << halfBits - 1
        var left = value >> halfBits
        var right = value & mask
        for round in (0..<Self.rounds).reversed() {
            (left, right) = (right ^ self.round(round, left), left)
        }
        return left << halfBits | right
    }

    private func round(_ round: Int, _ half: Int) -> Int {
        var input = key
        input.append(UInt8(round))
        for shift in stride(from: 24, through: 0, by: -8) { input.append(UInt8(truncatingIfNeeded: half >> shift)) }
        let digest = Blake2b.hash256(input)
        let value = Int(digest[0]) << 24 | Int(digest[1]) << 16 | Int(digest[2]) << 8 | Int(digest[3])
        return value & (1 << halfBits - 1)
    }
}
