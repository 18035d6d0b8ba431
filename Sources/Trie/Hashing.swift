/// The MPF hash constructions (BLAKE2b-256 throughout), shared by the trie and the proof checks.
enum Hashing {
    /// `nullHashes[k]` is the root of 2^k empty slots: NULL, H(NULL‖NULL), … up to 16 slots.
    static let nullHashes: [Hash32] = {
        var hashes = [Hash32.null]
        for _ in 0..<4 { hashes.append(pair(hashes[hashes.count - 1], hashes[hashes.count - 1])) }
        return hashes
    }()

    /// H(left ‖ right).
    @inline(__always)
    static func pair(_ left: Hash32, _ right: Hash32) -> Hash32 {
        withUnsafeBytes(of: (left, right)) { Hash32(hashing: $0) }
    }

    /// The hash of a leaf whose path is `path`, seen from `cursor` (the nibbles before it are
    /// implied by its position), committing to the value digest `valueDigest`:
    /// H(0xFF ‖ path[c/2…] ‖ vd) for an even cursor, H(0x00 ‖ nibble(c) ‖ path[(c+1)/2…] ‖ vd) for an odd one.
    static func leaf(path: Hash32, cursor: Int, valueDigest: Hash32) -> Hash32 {
        withUnsafeTemporaryAllocation(byteCount: 66, alignment: 8) { buffer in
            var count = 0
            let start: Int
            if cursor & 1 == 0 {
                buffer[0] = 0xFF
                count = 1
                start = cursor >> 1
            } else {
                buffer[0] = 0x00
                buffer[1] = path.nibble(cursor)
                count = 2
                start = (cursor + 1) >> 1
            }
            withUnsafeBytes(of: path) { bytes in
                for index in start..<32 {
                    buffer[count] = bytes[index]
                    count += 1
                }
            }
            withUnsafeBytes(of: valueDigest) { bytes in
                for index in 0..<32 { buffer[count + index] = bytes[index] }
            }
            return Hash32(hashing: UnsafeRawBufferPointer(rebasing: buffer[0..<(count + 32)]))
        }
    }

    /// The hash of a branch: H(prefix nibbles, one byte each ‖ merkle root of its 16 slots).
    static func branch(prefix: some Collection<UInt8>, merkleRoot: Hash32) -> Hash32 {
        let prefixCount = prefix.count
        return withUnsafeTemporaryAllocation(byteCount: prefixCount + 32, alignment: 8) { buffer in
            var index = 0
            for nibble in prefix {
                buffer[index] = nibble
                index += 1
            }
            withUnsafeBytes(of: merkleRoot) { bytes in
                for offset in 0..<32 { buffer[prefixCount + offset] = bytes[offset] }
            }
            return Hash32(hashing: UnsafeRawBufferPointer(buffer))
        }
    }

    /// The root of the binary Merkle tree over 16 slots. `slots` holds one bit per occupied slot
    /// (bit n = slot n) and `hashes` the occupied slots' hashes in slot order; empty slots count as
    /// NULL, and subtrees that are entirely empty use the cached null hashes instead of hashing.
    static func merkle16(slots: UInt16, hashes: some Collection<Hash32>) -> Hash32 {
        withUnsafeTemporaryAllocation(of: Hash32.self, capacity: 16) { level in
            var iterator = hashes.makeIterator()
            for slot in 0..<16 {
                level[slot] = slots & (1 << slot) != 0 ? iterator.next()! : .null
            }
            return merkle16(level: level, occupied: slots)
        }
    }

    /// The Merkle root of the 16 hashes in `level` (overwritten), given which slots are occupied.
    static func merkle16(level: UnsafeMutableBufferPointer<Hash32>, occupied slots: UInt16) -> Hash32 {
        var occupied = UInt32(slots)
        var width = 16
        var depth = 0
        while width > 1 {
            var next: UInt32 = 0
            for index in 0..<(width >> 1) {
                let pairBits = (occupied >> (2 * index)) & 0b11
                if pairBits == 0 {
                    level[index] = nullHashes[depth + 1]
                } else {
                    level[index] = pair(level[2 * index], level[2 * index + 1])
                    next |= 1 << index
                }
            }
            occupied = next
            width >>= 1
            depth += 1
        }
        return level[0]
    }

    /// The four neighbours that prove slot `me` of a 16-slot Merkle tree, largest subtree first:
    /// the root of the other 8-slot half, the sibling 4-slot quarter, the sibling pair, the sibling slot.
    static func merkleNeighbors(slots: UInt16, hashes: some Collection<Hash32>, me: Int) -> [Hash32] {
        withUnsafeTemporaryAllocation(of: Hash32.self, capacity: 16) { level in
            var iterator = hashes.makeIterator()
            for slot in 0..<16 {
                level[slot] = slots & (1 << slot) != 0 ? iterator.next()! : .null
            }
            var occupied = UInt32(slots)
            var position = me
            var width = 16
            var depth = 0
            var neighbors: [Hash32] = []
            neighbors.reserveCapacity(4)
            while width > 1 {
                neighbors.append(level[position ^ 1])
                var next: UInt32 = 0
                for index in 0..<(width >> 1) {
                    if (occupied >> (2 * index)) & 0b11 == 0 {
                        level[index] = nullHashes[depth + 1]
                    } else {
                        level[index] = pair(level[2 * index], level[2 * index + 1])
                        next |= 1 << index
                    }
                }
                occupied = next
                position >>= 1
                width >>= 1
                depth += 1
            }
            return neighbors.reversed()
        }
    }
}
