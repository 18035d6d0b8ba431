import Testing
import Trie
import VectorSupport

@Suite("MPF properties (fixed seeds)")
struct TriePropertyTests {
    /// Random inserts, updates and deletes in random batches end at the root of the final set built at once.
    @Test(arguments: [1 as UInt64, 2, 3])
    func historyDoesNotChangeTheRoot(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let live = try await MerkleTrie()
        var model: [[UInt8]: [UInt8]] = [:]
        let universe = (0..<300).map { Array("item-\($0)".utf8) }
        for _ in 0..<40 {
            var batch: [TrieMutation] = []
            var pending = model
            for _ in 0..<Int.random(in: 1...25, using: &random) {
                let key = universe.randomElement(using: &random)!
                let value = random.bytes(count: Int.random(in: 0...40, using: &random))
                if pending[key] == nil {
                    batch.append(.insert(key: key, value: value))
                    pending[key] = value
                } else if Bool.random(using: &random) {
                    batch.append(.delete(key: key))
                    pending[key] = nil
                } else {
                    batch.append(.update(key: key, value: value))
                    pending[key] = value
                }
            }
            try await live.apply(batch)
            model = pending
        }
        let rebuilt = try await trie(model.map { ($0.key, $0.value) }.shuffled(using: &random))
        #expect(await live.root == rebuilt.root)
        for (key, value) in model.prefix(20) { #expect(try await live.get(key) == value) }
        #expect(try await live.get(Array("absent".utf8)) == nil)
    }

    /// Every proof verifies; the same proof with any one byte of its CBOR changed does not (it
    /// either fails to decode or leads elsewhere).
    @Test func everyProofVerifiesAndEveryByteMatters() async throws {
        var random = SeededRandom(seed: 42)
        let items = (0..<500).map { (Array("passport-\($0)".utf8), random.bytes(count: 16)) }
        let built = try await trie(items)
        let root = await built.root
        for index in stride(from: 0, to: items.count, by: 10) {
            let (key, value) = items[index]
            let member = try await built.proof(for: key)
            #expect(member.value == value)
            #expect(member.verifies())
            try expectEveryByteMatters(member.proof.cbor(), root: root, isMember: true, key: key, value: value, using: &random)

            let absentKey = Array("absent-\(index)".utf8)
            let absence = try await built.proof(for: absentKey)
            #expect(!absence.isMember)
            #expect(absence.verifies())
            try expectEveryByteMatters(absence.proof.cbor(), root: root, isMember: false, key: absentKey, value: [], using: &random)
            // A membership proof does not prove anything about another key or value.
            #expect(!MPF.has(root: root, key: key, value: value + [1], proof: member.proof))
            #expect(!MPF.miss(root: root, key: key, proof: member.proof))
        }
    }

    /// A proof that some other key is absent never shows a key the trie holds absent: not in a trie of
    /// one leaf (the neighbour leaf is that key), nor anywhere in a larger one (a neighbour fork or
    /// leaf in the key's own place).
    @Test(arguments: [1, 2, 3, 40, 500])
    func anAbsenceProofNeverShowsAHeldKeyAbsent(size: Int) async throws {
        let items = (0..<size).map { (Array("held-\($0)".utf8), [UInt8($0 & 0xff)]) }
        let built = try await trie(items)
        let root = await built.root
        for probe in 0..<60 {
            let absence = try await built.proof(for: Array("probe-\(probe)".utf8))
            #expect(!absence.isMember && absence.verifies())
            for (key, _) in items.prefix(40) {
                #expect(!MPF.miss(root: root, key: key, proof: absence.proof), "a proof for probe-\(probe) shows \(String(decoding: key, as: UTF8.self)) absent")
                #expect(!MPF.miss(root: root, key: key, proof: absence.proof, as: .v2_0_0))
            }
        }
    }

    private func expectEveryByteMatters(
        _ bytes: [UInt8], root: Hash32, isMember: Bool, key: [UInt8], value: [UInt8], using random: inout SeededRandom
    ) throws {
        for _ in 0..<12 {
            var changed = bytes
            let position = Int.random(in: 0..<changed.count, using: &random)
            changed[position] ^= UInt8.random(in: 1...255, using: &random)
            guard let proof = try? Proof(cbor: changed) else { continue }
            // The on-chain `excluding` ignores the skip of a final Leaf step (the neighbour leaf
            // takes the whole level), so that number is free in an absence proof.
            if !isMember, Self.withoutFinalLeafSkip(proof) == Self.withoutFinalLeafSkip(try Proof(cbor: bytes)) { continue }
            let holds = isMember ? MPF.has(root: root, key: key, value: value, proof: proof) : MPF.miss(root: root, key: key, proof: proof)
            #expect(!holds, "byte \(position) changed and the proof still verifies")
        }
    }

    private static func withoutFinalLeafSkip(_ proof: Proof) -> Proof {
        var steps = proof.steps
        if case .leaf(_, let key, let value)? = steps.last { steps[steps.count - 1] = .leaf(skip: 0, key: key, value: value) }
        return Proof(steps: steps)
    }
}
