import Encoding

/// The JSON form of proofs, as the reference JS library's `Proof.toJSON()` writes it:
/// `[{"type":"branch","skip":n,"neighbors":"<128 bytes hex>"},
///   {"type":"fork","skip":n,"neighbor":{"nibble":i,"prefix":"<hex>","root":"<32 bytes hex>"}},
///   {"type":"leaf","skip":n,"neighbor":{"key":"<32 bytes hex>","value":"<32 bytes hex>"}}]`.
extension Proof {
    /// The proof as a JSON array of steps.
    public func toJSON() -> JSONValue {
        .array(steps.map { step in
            switch step {
            case .branch(let skip, let neighbors):
                ["type": "branch", "skip": .number(Double(skip)), "neighbors": .string(Hex.encode(neighbors.flatMap(\.bytes)))]
            case .fork(let skip, let neighbor):
                [
                    "type": "fork", "skip": .number(Double(skip)),
                    "neighbor": [
                        "nibble": .number(Double(neighbor.nibble)), "prefix": .string(Hex.encode(neighbor.prefix)),
                        "root": .string(neighbor.root.hex),
                    ],
                ]
            case .leaf(let skip, let key, let value):
                ["type": "leaf", "skip": .number(Double(skip)), "neighbor": ["key": .string(key.hex), "value": .string(value.hex)]]
            }
        })
    }

    /// Reads the JSON form; throws `proof_malformed` naming the step and field that is wrong.
    public init(json: JSONValue) throws(TrieError) {
        guard let array = json.arrayValue else { throw TrieError.malformed("a proof is a JSON array of steps") }
        var steps: [ProofStep] = []
        for (index, element) in array.enumerated() {
            let at = "step \(index)"
            guard let object = element.objectValue else { throw TrieError.malformed("\(at) is not an object") }
            guard let skipNumber = object["skip"]?.doubleValue, skipNumber >= 0, skipNumber <= 64,
                skipNumber.rounded() == skipNumber
            else { throw TrieError.malformed("\(at): skip must be an integer 0…64") }
            let skip = Int(skipNumber)
            func hex(_ value: JSONValue?, _ name: String, bytes count: Int? = nil) throws(TrieError) -> [UInt8] {
                guard let text = value?.stringValue, let bytes = try? Hex.decode(text) else {
                    throw TrieError.malformed("\(at): \(name) must be a hex string")
                }
                if let count, bytes.count != count { throw TrieError.malformed("\(at): \(name) must be \(count) bytes") }
                return bytes
            }
            switch object["type"]?.stringValue {
            case "branch":
                let bytes = try hex(object["neighbors"], "neighbors", bytes: 128)
                steps.append(.branch(skip: skip, neighbors: Self.split(bytes)))
            case "fork":
                guard let neighbor = object["neighbor"]?.objectValue else { throw TrieError.malformed("\(at): fork without neighbor") }
                guard let nibble = neighbor["nibble"]?.doubleValue, nibble >= 0, nibble < 16, nibble.rounded() == nibble else {
                    throw TrieError.malformed("\(at): neighbor.nibble must be an integer 0…15")
                }
                let prefix = try hex(neighbor["prefix"], "neighbor.prefix")
                guard prefix.count <= 64 else { throw TrieError.malformed("\(at): neighbor.prefix longer than a path") }
                let root = try hex(neighbor["root"], "neighbor.root", bytes: 32)
                steps.append(.fork(skip: skip, neighbor: ForkNeighbor(nibble: UInt8(nibble), prefix: prefix, root: Hash32(bytes: root)!)))
            case "leaf":
                guard let neighbor = object["neighbor"]?.objectValue else { throw TrieError.malformed("\(at): leaf without neighbor") }
                let key = try hex(neighbor["key"], "neighbor.key", bytes: 32)
                let value = try hex(neighbor["value"], "neighbor.value", bytes: 32)
                steps.append(.leaf(skip: skip, key: Hash32(bytes: key)!, value: Hash32(bytes: value)!))
            default:
                throw TrieError.malformed("\(at): type must be \"branch\", \"fork\" or \"leaf\"")
            }
        }
        self.init(steps: steps)
    }

    /// 128 bytes as four hashes.
    static func split(_ bytes: [UInt8]) -> [Hash32] {
        (0..<4).map { Hash32(bytes: bytes[(32 * $0)..<(32 * $0 + 32)])! }
    }
}
