import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import ServerTestSupport
import Storage
import Testing
import Trie

@Suite("HTTP trie routes")
struct TrieRoutesTests {
    static let operatorID = "did:web:cells.example.com%3A8443"
    /// The operator id as a path segment: percent-encoded, so its own `%` becomes `%25`.
    static let operatorPath = "did%3Aweb%3Acells.example.com%253A8443"

    /// Commits two batches to the operator's trie in the server's database; returns their commits.
    static func populate(_ server: VoltpassServer) async throws -> [TrieCommit] {
        let tries = OperatorTries(store: server.store.operatorTries)
        let first = try await tries.apply(
            [.insert(key: Array("cell 1".utf8), value: Array("soh 98".utf8)), .insert(key: [0x00, 0xFF], value: [1, 2, 3])],
            operator: operatorID)
        let second = try await tries.apply(
            [.insert(key: Array("cell 2".utf8), value: Array("soh 97".utf8)), .update(key: Array("cell 1".utf8), value: Array("soh 96".utf8))],
            operator: operatorID)
        return [second, first]
    }

    @Test("GET root shows the root, key count and history, newest first")
    func root() async throws {
        try await withLiveServer { client, server, _ in
            let commits = try await Self.populate(server)
            let response = try await client.execute(uri: "/operators/\(Self.operatorPath)/trie/root", method: .get)
            #expect(response.status == .ok)
            let body = try response.json
            #expect(body["operator"] as? String == Self.operatorID)
            #expect(body["root"] as? String == commits[0].root.hex)
            #expect(body["keyCount"] as? Int == 3)
            let history = try #require(body["history"] as? [[String: Any]])
            #expect(history.compactMap { $0["root"] as? String } == commits.map(\.root.hex))
            #expect(history.compactMap { $0["sequence"] as? Int } == [2, 1])
            #expect(history.compactMap { $0["changes"] as? Int } == [2, 2])
            #expect((history.first?["committedAt"] as? String)?.hasSuffix("Z") == true)

            let limited = try await client.execute(uri: "/operators/\(Self.operatorPath)/trie/root?history=1", method: .get)
            #expect((try limited.json["history"] as? [Any])?.count == 1)
        }
    }

    @Test("GET proofs gives membership and non-membership proofs that check against the root")
    func proofs() async throws {
        try await withLiveServer { client, server, _ in
            let root = try await Self.populate(server)[0].root
            let cases: [(path: String, key: [UInt8], value: [UInt8]?)] = [
                ("cell%201", Array("cell 1".utf8), Array("soh 96".utf8)),
                ("00ff?encoding=hex", [0x00, 0xFF], [1, 2, 3]),
                ("cell%209", Array("cell 9".utf8), nil),
            ]
            for (path, key, value) in cases {
                let response = try await client.execute(uri: "/operators/\(Self.operatorPath)/trie/proofs/\(path)", method: .get)
                #expect(response.status == .ok)
                let body = try response.json
                #expect(body["root"] as? String == root.hex)
                #expect(body["key"] as? String == Hex.encode(key))
                #expect(body["member"] as? Bool == (value != nil))
                let cbor = try Proof(cbor: try Hex.decode(try #require(body["proofCBOR"] as? String)))
                let steps = try JSONSerialization.data(withJSONObject: try #require(body["proof"]))
                #expect(try Proof(json: try JSONValue(parsing: Array(steps))) == cbor, "the JSON and CBOR forms are the same proof")
                if let value {
                    #expect(body["value"] as? String == Hex.encode(value))
                    #expect(MPF.has(root: root, key: key, value: value, proof: cbor))
                    #expect(!MPF.has(root: root, key: key, value: value + [0], proof: cbor))
                } else {
                    #expect(body["value"] is NSNull)
                    #expect(MPF.miss(root: root, key: key, proof: cbor))
                }
            }
        }
    }

    @Test("unknown operators are 404 and bad parameters 400, as problem documents with codes", arguments: [
        ("/operators/did%3Aweb%3Anobody.example/trie/root", 404, "operator_not_found"),
        ("/operators/did%3Aweb%3Anobody.example/trie/proofs/x", 404, "operator_not_found"),
        ("/operators/\(operatorPath)/trie/proofs/zz?encoding=hex", 400, "invalid_key"),
        ("/operators/\(operatorPath)/trie/proofs/x?encoding=base64", 400, "invalid_encoding"),
        ("/operators/\(operatorPath)/trie/root?history=0", 400, "invalid_limit"),
        ("/operators/\(operatorPath)/trie/root?history=many", 400, "invalid_limit"),
    ])
    func problems(uri: String, status: Int, code: String) async throws {
        try await withLiveServer { client, server, _ in
            _ = try await Self.populate(server)
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status.code == status)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try response.json["code"] as? String == code)
        }
    }
}
