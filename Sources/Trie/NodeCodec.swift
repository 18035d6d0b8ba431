import Encoding

/// The bytes a ``NodeStore`` keeps for a node. The first byte names the kind and format version:
///
/// - `0x01` leaf v1: `0x01 ‖ varint(len key) ‖ key ‖ varint(len value) ‖ value`. The path and value
///   digest are recomputed on load; the position is implied by the parent.
/// - `0x02` branch v1: `0x02 ‖ prefix length (1 byte, 0…63) ‖ prefix nibbles (1 byte each) ‖
///   slot bitmap (2 bytes, big-endian, bit n = slot n) ‖ 32-byte child hash per occupied slot, in slot order`.
///
/// A node is stored with its MPF hash, so these bytes are never the thing anyone verifies; a new
/// format takes a new leading byte and old rows stay readable.
enum NodeCodec {
    static let leafV1: UInt8 = 0x01
    static let branchV1: UInt8 = 0x02

    static func encodeLeaf(key: [UInt8], value: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [leafV1]
        bytes.reserveCapacity(key.count + value.count + 5)
        bytes += Varint.encode(UInt64(key.count))
        bytes += key
        bytes += Varint.encode(UInt64(value.count))
        bytes += value
        return bytes
    }

    static func encodeBranch(prefix: [UInt8], slots: UInt16, childHashes: some Collection<Hash32>) -> [UInt8] {
        var bytes: [UInt8] = [branchV1, UInt8(prefix.count)]
        bytes.reserveCapacity(4 + prefix.count + 32 * childHashes.count)
        bytes += prefix
        bytes.append(UInt8(slots >> 8))
        bytes.append(UInt8(slots & 0xFF))
        for hash in childHashes {
            withUnsafeBytes(of: hash) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Decodes a stored node; the result carries `hash` as its (unchanged) hash.
    static func decode(_ bytes: [UInt8], hash: Hash32) throws(NodeStoreError) -> Child {
        func corrupt(_ why: String) -> NodeStoreError {
            NodeStoreError(code: "node_corrupt", message: "stored node \(hash.hex): \(why)")
        }
        guard let kind = bytes.first else { throw corrupt("empty") }
        switch kind {
        case leafV1:
            var offset = 1
            func field() throws(NodeStoreError) -> [UInt8] {
                guard let (length, size) = try? Varint.decode(bytes[offset...]) else { throw corrupt("bad length") }
                offset += size
                guard length <= UInt64(bytes.count - offset) else { throw corrupt("truncated") }
                defer { offset += Int(length) }
                return Array(bytes[offset..<(offset + Int(length))])
            }
            let key = try field()
            let value = try field()
            guard offset == bytes.count else { throw corrupt("trailing bytes") }
            let leaf = LeafNode(key: key, value: value)
            leaf.hash = hash
            return .leaf(leaf)
        case branchV1:
            guard bytes.count >= 4 else { throw corrupt("truncated") }
            let prefixCount = Int(bytes[1])
            guard prefixCount < 64, bytes.count >= 4 + prefixCount else { throw corrupt("bad prefix") }
            let prefix = Array(bytes[2..<(2 + prefixCount)])
            guard prefix.allSatisfy({ $0 < 16 }) else { throw corrupt("prefix nibble above 15") }
            let slots = UInt16(bytes[2 + prefixCount]) << 8 | UInt16(bytes[3 + prefixCount])
            let start = 4 + prefixCount
            guard slots.nonzeroBitCount >= 2, bytes.count == start + 32 * slots.nonzeroBitCount else {
                throw corrupt("bad children")
            }
            let childHashes = (0..<slots.nonzeroBitCount).map { index in
                Hash32(bytes: bytes[(start + 32 * index)..<(start + 32 * index + 32)])!
            }
            return .branch(BranchNode(prefix: prefix, slots: slots, childHashes: childHashes, hash: hash))
        default:
            throw corrupt("unknown node format \(kind)")
        }
    }
}
