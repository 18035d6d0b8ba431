import Encoding
import Testing
import Trie
import VectorSupport

@Suite("MPF vectors: edge cases, small and bulk tries, cage, trees-for-sneks")
struct MoreVectorTests {
    @Test(.vectors) func insertEdgeCasesAndOlderValidators() throws {
        let cases = try MPFVectors.load("edge-cases.json").list("cases")
        #expect(cases.count == 11)
        for vector in cases {
            let key = try vector.hexBytes("key")
            let value = try vector.hexBytes("value")
            let proof = try checkedProof(json: vector["proof"], cbor: vector["proof_cbor"])
            switch vector["op"]?.stringValue {
            case "insert":
                let before = try vector.hash("root_before")
                let after = try vector.hash("root_after")
                #expect(try MPF.insert(root: before, key: key, value: value, proof: proof) == after)
                #expect(try MPF.delete(root: after, key: key, value: value, proof: proof) == before)
                // The v2.0.0 model reproduces exactly the cases the vectors mark as affected.
                let differs = try #require(vector["v200_excluding_differs"]?.boolValue as Bool?)
                #expect(MPF.miss(root: before, key: key, proof: proof, as: .v2_0_0) == !differs, "\(vector["name"] ?? .null)")
                // v2.0.1 still rejects exactly the proofs ending in a Fork step with skip > 0.
                var terminalForkSkip = false
                if case .fork(let skip, _)? = proof.steps.last { terminalForkSkip = skip > 0 }
                #expect(MPF.miss(root: before, key: key, proof: proof, as: .v2_0_1) == !terminalForkSkip)
                if differs {
                    #expect(throws: TrieError.self) {
                        try MPF.insert(root: before, key: key, value: value, proof: proof, as: .v2_0_0)
                    }
                } else {
                    #expect(try MPF.insert(root: before, key: key, value: value, proof: proof, as: .v2_0_0) == after)
                }
            case "has":
                #expect(MPF.has(root: try vector.hash("root"), key: key, value: value, proof: proof))
                #expect(!MPF.has(root: try vector.hash("root"), key: key, value: value + [0], proof: proof))
            default:
                Issue.record("unknown op")
            }
        }
    }

    @Test(.vectors) func smallTries() async throws {
        let file = try MPFVectors.load("small-tries.json")
        for entry in try file.list("tries") {
            let items = try entry.list("items").map { (try $0.hexBytes("key"), try $0.hexBytes("value")) }
            let root = try entry.hash("root")
            let small = try await trie(items)
            #expect(await small.root == root)
            for vector in try entry.list("proofs") {
                let key = try vector.hexBytes("key")
                let proof = try checkedProof(json: vector["proof"], cbor: vector["proof_cbor"])
                #expect(try await small.proof(for: key).proof == proof)
                #expect(MPF.has(root: root, key: key, value: try vector.hexBytes("value"), proof: proof))
            }
        }
        for group in ["haskell_mts_roots", "mpfs_ts_roots"] {
            for entry in try file.list(group) {
                let items = try entry.list("items").map { (try $0.hexBytes("key"), try $0.hexBytes("value")) }
                #expect(await (try trie(items)).root == (try entry.hash("root")))
            }
        }
        let blocks = try #require(file["hash_building_blocks"]?.objectValue)
        #expect(blocks["blake2b256('apple[uid: 58]')"]?.stringValue == Hash32(hashing: Array("apple[uid: 58]".utf8)).hex)
    }

    @Test(.vectors) func keyValueTries() async throws {
        for size in try MPFVectors.load("key-value-n.json").list("sizes") {
            let count = try #require(size["n"]?.doubleValue.map { Int($0) })
            let items = (0..<count).map { (Array("key-\($0)".utf8), Array("value-\($0)".utf8)) }
            let built = try await trie(items)
            let root = try size.hash("root")
            #expect(await built.root == root, "n = \(count)")
            for vector in try size.list("proofs") {
                let key = try vector.hexBytes("key")
                let proof = try checkedProof(json: vector["proof"], cbor: vector["proof_cbor"])
                #expect(try await built.proof(for: key).proof == proof)
                #expect(MPF.has(root: root, key: key, value: try vector.hexBytes("value"), proof: proof))
            }
            let absent = try #require(size["non_membership"])
            let key = try absent.hexBytes("key")
            let proof = try checkedProof(json: absent["proof"], cbor: absent["proof_cbor"])
            #expect(try await built.proof(for: key).proof == proof)
            #expect(MPF.miss(root: root, key: key, proof: proof))
        }
    }

    @Test(.vectors) func cageVectors() throws {
        for vector in try MPFVectors.load("cage-vectors.json").list("proof_vectors") {
            let key = try vector.hexBytes("key")
            let value = try vector.hexBytes("value")
            let proof = try checkedProof(json: vector["proof"], cbor: vector["proof_cbor"])
            if vector["op"]?.stringValue == "insert" {
                #expect(
                    try MPF.insert(root: try vector.hash("root_before"), key: key, value: value, proof: proof)
                        == (try vector.hash("root_after")))
            } else {
                #expect(MPF.has(root: try vector.hash("root"), key: key, value: value, proof: proof))
            }
        }
    }

    @Test(.vectors) func treesForSneksBlockchain() async throws {
        let steps = try MPFVectors.load("trees-for-sneks-blockchain.json").list("steps")
        let chain = try await MerkleTrie()
        for step in steps {
            if step["op"]?.stringValue == "insert_genesis" {
                try await chain.apply(try step.list("items").map { .insert(key: try $0.hexBytes("key"), value: try $0.hexBytes("value")) })
            } else {
                let key = try step.hexBytes("key")
                try await chain.insert(key: key, value: try step.hexBytes("value"))
                if step["proof_after_insert"] != nil {
                    let proof = try checkedProof(json: step["proof_after_insert"], cbor: step["proof_cbor_after_insert"])
                    #expect(try await chain.proof(for: key).proof == proof)
                }
            }
            #expect(await chain.root == (try step.hash("root_after")))
        }
    }
}
