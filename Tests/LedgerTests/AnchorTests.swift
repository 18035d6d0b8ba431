import Encoding
import Foundation
import Testing
import Trie
import VectorSupport

@testable import Ledger

@Suite struct AnchorTests {
    @Test func anchorsKeepHistoryNewestFirstWithHashesAndSlots() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        #expect(await ledger.currentAnchor(operator: Sample.operatorID) == nil)
        let first = try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
        temp.time.advance(5.7)
        let second = try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(2))
        try await ledger.anchor(operator: "did:web:packs.example.com", root: Sample.root(9))

        #expect(first.slot == 0)
        #expect(second.slot == 5)
        #expect(first.hash != second.hash)
        let current = try #require(await ledger.currentAnchor(operator: Sample.operatorID))
        #expect(current == AnchorRecord(operatorID: Sample.operatorID, root: Sample.root(2), transaction: second.hash, slot: 5))
        let history = await ledger.anchorHistory(operator: Sample.operatorID, limit: nil)
        #expect(history.map(\.root) == [Sample.root(2), Sample.root(1)])
        #expect(history.map(\.transaction) == [second.hash, first.hash])
        #expect(await ledger.anchorHistory(operator: Sample.operatorID, limit: 1).map(\.root) == [Sample.root(2)])
        #expect(await ledger.tip() == LedgerTip(count: 3, hash: await ledger.tip().hash, slot: 5))
    }

    /// Two writers racing to anchor one root record it once; a root the operator returns to later is
    /// a new anchor with its own transaction.
    @Test func theCurrentRootIsNotAnchoredAgain() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let a = try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
        #expect(await code { try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1)) } == "anchor_unchanged")
        try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(2))
        let b = try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
        #expect(a.hash != b.hash)
        #expect(await ledger.anchorHistory(operator: Sample.operatorID, limit: nil).map(\.root) == [Sample.root(1), Sample.root(2), Sample.root(1)])
    }

    @Test func malformedOperatorIDsAreRejected() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open(LedgerParameters(maxIdentifierBytes: 16))
        #expect(await code { try await ledger.anchor(operator: "", root: Sample.root(1)) } == "invalid_operator_id")
        #expect(await code { try await ledger.anchor(operator: String(repeating: "x", count: 17), root: Sample.root(1)) } == "invalid_operator_id")
        #expect(await ledger.tip().count == 0)
    }

    @Test func slotsComeFromTheClockAndNeverGoBack() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        temp.time.advance(10)
        #expect(try await ledger.currentSlot() == 10)
        try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(1))
        temp.time.advance(-3)
        #expect(await code { try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(2)) } == "slot_regression")
        #expect(try await ledger.currentSlot() == 10)
        temp.time.set(999_999)
        #expect(await code { try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(2)) } == "clock_before_genesis")
        #expect(await ledger.currentAnchor(operator: Sample.operatorID)?.root == Sample.root(1))
    }

    /// Python's cbor2 and hashlib read the log on their own: every body is deterministic CBOR with
    /// the documented fields, and its BLAKE2b-256 is the transaction hash the ledger returned.
    @Test(.enabled(if: ReferencePython.canImport("cbor2") || Vectors.required, "python3 with cbor2 not found; fails under CI=true"))
    func transactionHashIsBlake2b256OfTheBodyCrossCheckedInPython() async throws {
        let temp = TemporaryLedger()
        let ledger = try temp.open()
        let anchor = try await ledger.anchor(operator: Sample.operatorID, root: Sample.root(7))
        temp.time.advance(3)
        let commit = try await ledger.commit(batteryID: Sample.battery, userKeyHash: Sample.alice, nonce: [1, 2, 3])
        let reading = try await ledger.submitReading(Sample.submission(commit.hash))
        await ledger.close()

        let script = """
            import sys, io, struct, hashlib, cbor2
            data = open(sys.argv[1], 'rb').read()
            assert data[:8] == b'VOLTLDG1'
            offset = 24
            while offset < len(data):
                length, = struct.unpack('>I', data[offset:offset + 4])
                payload = data[offset + 12:offset + 12 + length]
                offset += 12 + length
                stream = io.BytesIO(payload)
                decoder = cbor2.CBORDecoder(stream)
                head = stream.read(1)[0]
                assert head >> 5 == 4
                for _ in range(head & 0x1f):
                    start = stream.tell()
                    body = decoder.decode()
                    raw = payload[start:stream.tell()]
                    assert cbor2.dumps(body, canonical=True) == raw, 'not deterministic'
                    fields = ','.join(f'{k}={v.hex() if isinstance(v, bytes) else v}' for k, v in sorted(body.items()) if k > 2)
                    print(hashlib.blake2b(raw, digest_size=32).hexdigest(), body[0], body[1], body[2].hex(), fields)
            """
        let result = try ReferencePython.run(script, arguments: [temp.logURL.path])
        try #require(result.status == 0, "\(result.error)")
        let lines = result.lines
        try #require(lines.count == 3)
        let null = String(repeating: "0", count: 64)
        #expect(lines[0] == "\(anchor.hash.hex) 0 0 \(null) 3=\(Sample.operatorID),4=\(Sample.root(7).hex)")
        #expect(lines[1] == "\(commit.hash.hex) 1 3 \(anchor.hash.hex) 3=\(Sample.battery),4=\(Sample.alice.hex),5=010203")
        #expect(
            lines[2]
                == "\(reading.hash.hex) 2 3 \(commit.hash.hex) 3=\(commit.hash.hex),4=\(commit.hash.hex),5=\(Sample.battery),"
                + "6=\(Sample.alice.hex),7=\(Sample.operatorID),8=\(Hex.encode(Sample.coseReading))")
    }

    /// Key hashes against the published BLAKE2b-224 vectors (Cardano's key-hash size).
    @Test(.vectors) func keyHashIsBlake2b224OfThePublicKey() throws {
        let entries = try #require(try Vectors.json("blake2b/blake2b-256-derived.json") as? [[String: Any]])
        let vectors = entries.filter { $0["hash"] as? String == "blake2b-224" }
        try #require(vectors.count == 3)
        for vector in vectors {
            let input = try #require(Vectors.bytes(hex: vector["in"] as! String))
            let hash = KeyHash(publicKey: input)
            #expect(hash.hex == vector["out"] as? String)
            #expect(KeyHash(hex: hash.hex) == hash)
        }
        #expect(KeyHash(bytes: [UInt8](repeating: 0, count: 27)) == nil)
        #expect(KeyHash(hex: "zz") == nil)
    }
}

@Suite struct HashConstructionTests {
    /// The ledger's fast construction of hashes agrees with `Hash32(bytes:)` and BLAKE2b-256.
    @Test func fastDigestsEqualTheTrieConstruction() {
        var random = SeededRandom(seed: 7)
        for length in [0, 1, 31, 32, 33, 200] {
            let input = random.bytes(count: length)
            let fast = input.withUnsafeBytes { Hash32.digest(of: $0) }
            #expect(fast == Hash32(bytes: Blake2b.hash256(input)))
            #expect(fast.bytes == Blake2b.hash256(input))
            #expect(Hash32.exactly(fast.bytes) == fast)
        }
        #expect(Hash32.exactly([1, 2, 3]) == nil)
    }
}
