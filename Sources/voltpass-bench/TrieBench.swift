import Foundation
import Trie

/// Merkle Patricia Forestry figures, in memory: inserts per second into a trie of 10⁶ keys, and per
/// trie size (10³…10⁷ keys of the form `key-i` → `value-i`) proof generation and verification per
/// second and the mean and maximum proof size in CBOR bytes.
extension Suite {
    static let trie: [Suite] =
        [
            Suite(name: "trie.build-1m-batches-10k") { _ in
                let (_, measurement) = try await TrieFixtures.build(count: 1_000_000, batch: 10_000)
                return measurement
            },
            Suite(name: "trie.insert-into-1m-batches-10k") { _ in
                let trie = try await TrieFixtures.shared.trie(count: 1_000_000)
                return try await TrieFixtures.insertMore(into: trie, count: 100_000, batch: 10_000, label: "10⁶")
            },
            Suite(name: "trie.insert-into-1m-single") { _ in
                let trie = try await TrieFixtures.shared.trie(count: 1_000_000)
                return try await TrieFixtures.insertMore(into: trie, count: 20_000, batch: 1, label: "10⁶")
            },
        ]
        + [1_000, 10_000, 100_000, 1_000_000, 10_000_000].flatMap { count in
            let label = "10^\(Int(log10(Double(count))))"
            return [
                Suite(name: "trie.prove-\(label)") { seconds in
                    let trie = try await TrieFixtures.shared.trie(count: count)
                    var index = 0
                    return try await measure("trie.prove (\(label) keys)", minimumSeconds: seconds) {
                        index = (index &+ 7919) % count
                        return try await trie.proof(for: TrieFixtures.key(index)).proof.steps.count
                    }
                },
                Suite(name: "trie.verify-\(label)") { seconds in
                    let trie = try await TrieFixtures.shared.trie(count: count)
                    let root = await trie.root
                    let sample = try await TrieFixtures.sample(trie, count: count, size: 1000)
                    var index = 0
                    return await measure("trie.verify, decode CBOR + has (\(label) keys)", minimumSeconds: seconds) {
                        index = (index + 1) % sample.count
                        let (key, value, bytes) = sample[index]
                        guard let proof = try? Proof(cbor: bytes) else { return 0 }
                        return MPF.has(root: root, key: key, value: value, proof: proof) ? 1 : 0
                    }
                },
                Suite(name: "trie.proof-size-\(label)") { _ in
                    let trie = try await TrieFixtures.shared.trie(count: count)
                    let sample = try await TrieFixtures.sample(trie, count: count, size: 2000)
                    let sizes = sample.map(\.2.count)
                    let mean = Double(sizes.reduce(0, +)) / Double(sizes.count)
                    let name = String(format: "trie.proof-size (%@ keys): mean %.0f B, max %d B, min %d B", label, mean, sizes.max()!, sizes.min()!)
                    return Measurement(operation: name, count: sizes.count, seconds: 1, bytesPerOperation: nil)
                },
            ]
        }
}

/// Tries built once per size and shared by the suites.
actor TrieFixtures {
    static let shared = TrieFixtures()
    private var built: [Int: MerkleTrie] = [:]

    static func key(_ index: Int) -> [UInt8] { Array("key-\(index)".utf8) }
    static func value(_ index: Int) -> [UInt8] { Array("value-\(index)".utf8) }

    func trie(count: Int) async throws -> MerkleTrie {
        if let trie = built[count] { return trie }
        // Keep only one large trie in memory at a time.
        built = built.filter { $0.key < 1_000_000 }
        let (trie, _) = try await Self.build(count: count, batch: 10_000)
        built[count] = trie
        return trie
    }

    /// Builds a trie of `count` keys in batches, timing the inserts.
    static func build(count: Int, batch: Int) async throws -> (MerkleTrie, Measurement) {
        let trie = try await MerkleTrie()
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        for start in stride(from: 0, to: count, by: batch) {
            let mutations = (start..<min(start + batch, count)).map { TrieMutation.insert(key: key($0), value: value($0)) }
            let began = clock.now
            try await trie.apply(mutations)
            elapsed += clock.now - began
        }
        let name = "trie.insert, building 0 → \(count) keys in batches of \(batch) (in memory)"
        return (trie, Measurement(operation: name, count: count, seconds: seconds(elapsed), bytesPerOperation: nil))
    }

    /// Inserts `count` new keys into `trie` in batches of `batch`, then deletes them again.
    static func insertMore(into trie: MerkleTrie, count: Int, batch: Int, label: String) async throws -> Measurement {
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        let keys = (0..<count).map { Array("extra-\($0)".utf8) }
        for start in stride(from: 0, to: count, by: batch) {
            let mutations = keys[start..<min(start + batch, count)].map { TrieMutation.insert(key: $0, value: $0) }
            let began = clock.now
            try await trie.apply(mutations)
            elapsed += clock.now - began
        }
        for start in stride(from: 0, to: count, by: 10_000) {
            try await trie.apply(keys[start..<min(start + 10_000, count)].map { .delete(key: $0) })
        }
        let name = "trie.insert into \(label) keys, batches of \(batch) (in memory)"
        return Measurement(operation: name, count: count, seconds: seconds(elapsed), bytesPerOperation: nil)
    }

    /// `size` evenly spread members with their CBOR proofs.
    static func sample(_ trie: MerkleTrie, count: Int, size: Int) async throws -> [([UInt8], [UInt8], [UInt8])] {
        var sample: [([UInt8], [UInt8], [UInt8])] = []
        for index in stride(from: 0, to: count, by: max(1, count / size)) {
            sample.append((key(index), value(index), try await trie.proof(for: key(index)).proof.cbor()))
        }
        return sample
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
