import Encoding
import Testing
import Trie
import VectorSupport

@Suite("MPF vectors: the fruits trie")
struct FruitsVectorTests {
    @Test(.vectors) func rootProofsAndRootsWithoutEachFruit() async throws {
        let file = try MPFVectors.load("fruits.json")
        let root = try file.hash("root")
        #expect(root.hex == "4acd78f345a686361df77541b2e0b533f53362e36620a1fdd3a13e0b61a3b078")
        let items = try file.list("items")
        #expect(items.count == 30)
        let pairs = try items.map { (try $0.hexBytes("key"), try $0.hexBytes("value")) }
        let fruits = try await trie(pairs)
        #expect(await fruits.root == root)

        for item in items {
            let key = try item.hexBytes("key")
            let value = try item.hexBytes("value")
            #expect(Hash32(hashing: key) == (try item.hash("path")))
            #expect(Hash32(hashing: value) == (try item.hash("value_digest")))
            let proof = try checkedProof(json: item["proof"], cbor: item["proof_cbor"])
            // The trie generates exactly the published proof.
            let generated = try await fruits.proof(for: key)
            #expect(generated.value == value)
            #expect(generated.proof == proof)
            #expect(try proof.including(key: key, value: value) == root)
            #expect(MPF.has(root: root, key: key, value: value, proof: proof))
            let without = try item.hash("root_without")
            #expect(try proof.excluding(key: key) == without)
            #expect(try MPF.delete(root: root, key: key, value: value, proof: proof) == without)
            #expect(try MPF.insert(root: without, key: key, value: value, proof: proof) == root)
        }

        // Deleting each fruit from the trie itself gives the published root without it.
        for item in items.prefix(6) {
            let key = try item.hexBytes("key")
            let smaller = try await trie(pairs)
            #expect(try await smaller.delete(key: key) == (try item.hash("root_without")))
        }
    }

    @Test(.vectors) func updatingBanana() async throws {
        let file = try MPFVectors.load("fruits.json")
        let update = try #require(file["updated_banana"])
        let items = try file.list("items")
        let pairs = try items.map { (try $0.hexBytes("key"), try $0.hexBytes("value")) }
        let banana = try #require(items.first { $0["key_utf8"]?.stringValue == "banana[uid: 218]" })
        let proof = try Proof(json: try #require(banana["proof"]))
        let expected = try update.hash("root_after_update")
        let newValue = try update.hexBytes("new_value")
        #expect(
            try MPF.update(
                root: try file.hash("root"), key: try banana.hexBytes("key"), proof: proof,
                oldValue: try banana.hexBytes("value"), newValue: newValue) == expected)
        let fruits = try await trie(pairs)
        #expect(try await fruits.update(key: try banana.hexBytes("key"), value: newValue) == expected)
        #expect(try await fruits.get(try banana.hexBytes("key")) == newValue)
    }

    @Test(.vectors) func nonMembership() async throws {
        let file = try MPFVectors.load("fruits-non-membership.json")
        let root = try file.hash("root")
        let fruits = try await trie(
            try MPFVectors.load("fruits.json").list("items").map { (try $0.hexBytes("key"), try $0.hexBytes("value")) })
        let items = try file.list("items")
        #expect(items.count == 6)
        for item in items {
            let key = try item.hexBytes("key")
            let proof = try checkedProof(json: item["proof"], cbor: item["proof_cbor"])
            #expect(try proof.excluding(key: key) == root)
            #expect(MPF.miss(root: root, key: key, proof: proof))
            let generated = try await fruits.proof(for: key)
            #expect(!generated.isMember)
            #expect(generated.proof == proof)
            #expect(generated.verifies())
        }
    }

    @Test(.vectors) func insertThenDeleteReplay() async throws {
        let file = try MPFVectors.load("fruits-sequence.json")
        let steps = try file.list("steps")
        #expect(steps.count == 60)
        let replay = try await MerkleTrie()
        #expect(await replay.root == (try file.hash("empty_root")))
        for step in steps {
            let key = try step.hexBytes("key")
            let value = try step.hexBytes("value")
            let before = try step.hash("root_before")
            let after = try step.hash("root_after")
            let proof = try checkedProof(json: step["proof"], cbor: step["proof_cbor"])
            #expect(await replay.root == before)
            switch step["op"]?.stringValue {
            case "insert":
                let absence = try Proof(json: try #require(step["non_membership_proof_before"]))
                #expect(try await replay.proof(for: key).proof == absence)
                #expect(try MPF.insert(root: before, key: key, value: value, proof: proof) == after)
                #expect(try await replay.insert(key: key, value: value) == after)
                #expect(try await replay.proof(for: key).proof == proof)
            case "delete":
                #expect(try await replay.proof(for: key).proof == proof)
                #expect(try MPF.delete(root: before, key: key, value: value, proof: proof) == after)
                #expect(try await replay.delete(key: key) == after)
            default:
                Issue.record("unknown op \(step["op"] ?? .null)")
            }
        }
        #expect(await replay.root == .null)
    }
}
