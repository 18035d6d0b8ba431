import Encoding
import Testing
import Trie
import VectorSupport

@Suite("MPF proof encodings: malformed input gets coded errors")
struct ProofCodecTests {
    private static let neighbors = String(repeating: "ab", count: 128)
    private static let hash = String(repeating: "cd", count: 32)

    @Test(arguments: [
        "{}", "[1]", #"[{"type":"twig","skip":0}]"#, #"[{"type":"branch","skip":-1,"neighbors":"\#(neighbors)"}]"#,
        #"[{"type":"branch","skip":1.5,"neighbors":"\#(neighbors)"}]"#, #"[{"type":"branch","skip":65,"neighbors":"\#(neighbors)"}]"#,
        #"[{"type":"branch","skip":0,"neighbors":"abcd"}]"#, #"[{"type":"branch","skip":0,"neighbors":"zz"}]"#,
        #"[{"type":"branch","skip":0}]"#, #"[{"type":"fork","skip":0}]"#,
        #"[{"type":"fork","skip":0,"neighbor":{"nibble":16,"prefix":"","root":"\#(hash)"}}]"#,
        #"[{"type":"fork","skip":0,"neighbor":{"nibble":1,"prefix":"0","root":"\#(hash)"}}]"#,
        #"[{"type":"fork","skip":0,"neighbor":{"nibble":1,"prefix":"","root":"cd"}}]"#,
        #"[{"type":"leaf","skip":0,"neighbor":{"key":"\#(hash)"}}]"#,
    ])
    func malformedJSON(_ text: String) throws {
        let json = try JSONValue(parsing: text)
        #expect(throws: TrieError.self) { try Proof(json: json) }
        do { _ = try Proof(json: json) } catch { #expect(error.code == "proof_malformed") }
    }

    @Test(arguments: [
        "", "80ff", "9f", "a0", "9f00ff", "9fd87c9f00ffff", "9fd8799f0040ffff", "9fd8799f1841" + neighbors + "ffff",
        "9fd8799f005880" + neighbors + "ff", "9fd87a9f00d8799f10405820" + hash + "ffffff",
        "9fd87b9f005820" + hash + "5820" + hash + "00ffff", "9fd87b9f005820" + hash + "ffff", "9fff00",
    ])
    func malformedCBOR(_ hex: String) throws {
        let bytes = try #require(Vectors.bytes(hex: hex))
        do {
            _ = try Proof(cbor: bytes)
            Issue.record("accepted \(hex)")
        } catch {
            #expect(error.code == "proof_malformed")
        }
    }

    /// Definite-length lists and unchunked byte strings are the same Plutus data and decode alike.
    @Test func otherEncodingsOfTheSameData() throws {
        let steps: [ProofStep] = [
            .branch(skip: 1, neighbors: (0..<4).map { Hash32(hashing: [UInt8($0)]) }),
            .fork(skip: 0, neighbor: ForkNeighbor(nibble: 3, prefix: [1, 2], root: Hash32(hashing: [9]))),
            .leaf(skip: 2, key: Hash32(hashing: [7]), value: Hash32(hashing: [8])),
        ]
        let proof = Proof(steps: steps)
        let definite = CBOR.array([
            .tagged(121, .array([.unsigned(1), .bytes(steps[0].neighborBytes)])),
            .tagged(122, .array([.unsigned(0), .tagged(121, .array([.unsigned(3), .bytes([1, 2]), .bytes(Hash32(hashing: [9]).bytes)]))])),
            .tagged(123, .array([.unsigned(2), .bytes(Hash32(hashing: [7]).bytes), .bytes(Hash32(hashing: [8]).bytes)])),
        ])
        #expect(try Proof(cbor: definite.encode()) == proof)
        #expect(try Proof(cbor: proof.cbor()) == proof)
        #expect(try Proof(json: proof.toJSON()) == proof)
        // The branch step is 139 bytes, the fork 45 + prefix, the leaf 73; the list adds 2.
        #expect(proof.cbor().count == 2 + 139 + 47 + 73)
    }

    /// Proofs that no trie can produce are refused by the checks instead of crashing them.
    @Test func impossibleProofsAreRefused() throws {
        let key: [UInt8] = Array("key".utf8)
        let path = Hash32(hashing: key)
        let deep = Proof(steps: Array(repeating: .leaf(skip: 40, key: .null, value: .null), count: 3))
        #expect(throws: TrieError.self) { try deep.including(key: key, value: []) }
        #expect(throws: TrieError.self) { try deep.excluding(key: key) }
        let ownSlot = Proof(steps: [.fork(skip: 0, neighbor: ForkNeighbor(nibble: path.nibble(0), prefix: [], root: .null))])
        #expect(throws: TrieError.self) { try ownSlot.including(key: key, value: []) }
        let shortBranch = Proof(steps: [.branch(skip: 0, neighbors: [.null])])
        #expect(throws: TrieError.self) { try shortBranch.including(key: key, value: []) }
        #expect(!MPF.has(root: .null, key: key, value: [], proof: deep))
        #expect(throws: TrieError.self) { try MPF.insert(root: Hash32(hashing: [1]), key: key, value: [], proof: Proof(steps: [])) }
        #expect(try MPF.insert(root: .null, key: key, value: [1], proof: Proof(steps: [])) == Proof(steps: []).including(key: key, value: [1]))
    }
}

extension ProofStep {
    fileprivate var neighborBytes: [UInt8] {
        if case .branch(_, let neighbors) = self { return neighbors.flatMap(\.bytes) }
        return []
    }
}
