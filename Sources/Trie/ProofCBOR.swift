import Encoding

/// The Plutus Data form of proofs, CBOR-encoded as the reference libraries write it (JS
/// `Proof.toCBOR()`, Aiken `cbor.serialise`): an indefinite-length list of steps;
/// `Branch = 121([skip, neighbors])` with the 128 neighbour bytes as two 64-byte chunks,
/// `Fork = 122([skip, 121([nibble, prefix, root])])`, `Leaf = 123([skip, key, value])`, every list
/// indefinite-length. An empty proof is `9f ff`.
extension Proof {
    /// The CBOR bytes.
    public func cbor() -> [UInt8] {
        var writer = CBORWriter(capacity: 2 + 139 * steps.count)
        writer.beginIndefiniteArray()
        for step in steps {
            switch step {
            case .branch(let skip, let neighbors):
                writer.appendHead(.tag, 121)
                writer.beginIndefiniteArray()
                writer.appendHead(.unsigned, UInt64(skip))
                writer.beginIndefiniteBytes()
                let bytes = neighbors.flatMap(\.bytes)
                for chunk in stride(from: 0, to: bytes.count, by: 64) {
                    let end = min(chunk + 64, bytes.count)
                    writer.appendHead(.bytes, UInt64(end - chunk))
                    writer.appendRaw(bytes[chunk..<end])
                }
                writer.appendBreak()
                writer.appendBreak()
            case .fork(let skip, let neighbor):
                writer.appendHead(.tag, 122)
                writer.beginIndefiniteArray()
                writer.appendHead(.unsigned, UInt64(skip))
                writer.appendHead(.tag, 121)
                writer.beginIndefiniteArray()
                writer.appendHead(.unsigned, UInt64(neighbor.nibble))
                writer.appendHead(.bytes, UInt64(neighbor.prefix.count))
                writer.appendRaw(neighbor.prefix)
                writer.appendHead(.bytes, 32)
                writer.appendRaw(neighbor.root.bytes)
                writer.appendBreak()
                writer.appendBreak()
            case .leaf(let skip, let key, let value):
                writer.appendHead(.tag, 123)
                writer.beginIndefiniteArray()
                writer.appendHead(.unsigned, UInt64(skip))
                writer.appendHead(.bytes, 32)
                writer.appendRaw(key.bytes)
                writer.appendHead(.bytes, 32)
                writer.appendRaw(value.bytes)
                writer.appendBreak()
            }
        }
        writer.appendBreak()
        return writer.bytes
    }

    /// Reads any CBOR encoding of the proof's Plutus Data (definite or indefinite lists, chunked or
    /// plain byte strings); throws `proof_malformed` for anything else.
    public init(cbor bytes: [UInt8]) throws(TrieError) {
        let data: CBOR
        do {
            data = try CBOR.decode(bytes, options: CBORDecodingOptions(maxDepth: 8, maxItems: 100_000))
        } catch {
            throw TrieError.malformed("not CBOR: \(error.message)")
        }
        guard let list = data.arrayValue else { throw TrieError.malformed("a proof is a CBOR list of steps") }
        var steps: [ProofStep] = []
        for (index, element) in list.enumerated() {
            let at = "step \(index)"
            guard case .tagged(let tag, let content) = element, let fields = content.arrayValue else {
                throw TrieError.malformed("\(at) is not a Plutus constructor")
            }
            guard fields.count == (tag == 123 ? 3 : 2) else { throw TrieError.malformed("\(at) has \(fields.count) fields") }
            guard let skipValue = fields[0].uint64Value, skipValue <= 64 else {
                throw TrieError.malformed("\(at): skip must be an integer 0…64")
            }
            let skip = Int(skipValue)
            switch tag {
            case 121:
                guard let neighbors = fields[1].bytesValue, neighbors.count == 128 else {
                    throw TrieError.malformed("\(at): branch neighbors must be 128 bytes")
                }
                steps.append(.branch(skip: skip, neighbors: Self.split(neighbors)))
            case 122:
                guard case .tagged(121, let inner) = fields[1], let neighbor = inner.arrayValue, neighbor.count == 3,
                    let nibble = neighbor[0].uint64Value, nibble < 16,
                    let prefix = neighbor[1].bytesValue, prefix.count <= 64,
                    let root = neighbor[2].bytesValue.flatMap({ Hash32(bytes: $0) })
                else { throw TrieError.malformed("\(at): fork neighbor must be 121([nibble 0…15, prefix, 32-byte root])") }
                steps.append(.fork(skip: skip, neighbor: ForkNeighbor(nibble: UInt8(nibble), prefix: prefix, root: root)))
            case 123:
                guard let key = fields[1].bytesValue.flatMap({ Hash32(bytes: $0) }),
                    let value = fields[2].bytesValue.flatMap({ Hash32(bytes: $0) })
                else { throw TrieError.malformed("\(at): leaf key and value must be 32 bytes") }
                steps.append(.leaf(skip: skip, key: key, value: value))
            default:
                throw TrieError.malformed("\(at): constructor tag \(tag) is not 121, 122 or 123")
            }
        }
        self.init(steps: steps)
    }
}
