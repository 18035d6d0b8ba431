import Cardano
import CardanoChain
import CardanoTestSupport
import Encoding
import Foundation
import HTTPTypes
import Identity
import Ledger
import Passport
import Readings
import Server
import ServerTestSupport
import Testing
import Trie
import VectorSupport

/// `serve --ledger cardano` against the test-only chain emulator (Ogmios JSON-RPC on loopback):
/// provision, anchor on chain and verify green with the chain check; a BMS reading over a commitment
/// transaction, incorporated with its reward paid on chain in the settlement that moves the anchor.
@Suite(.enabled(if: Vectors.shouldRun, "the vectors (the V3 cost model the emulator serves) are absent; fails under CI=true"))
struct CardanoLedgerEndToEndTests {
    static let service = try! PaymentKey(seed: Array(repeating: 71, count: 32))
    static let start: UInt64 = 90_000_000

    static func bundle(_ client: LoopbackClient) async throws -> PassportBundle {
        let response = try await client.execute(uri: "/passports/R-1/bundle", method: .get)
        #expect(response.status == .ok)
        return try PassportBundle(json: try JSONValue(parsing: Array(buffer: response.body)))
    }

    @Test func passportsAnchorAndReadingsSettleOnChain() async throws {
        let funding = UTxO(
            input: TransactionInput(transactionID: try TransactionID(bytes: Array(repeating: 3, count: 32)), index: 0),
            output: TransactionOutput(address: Self.service.enterpriseAddress(network: .testnet).bytes, value: Value(coin: 1_000_000_000)))
        let emulator = ChainEmulator(genesis: [funding], slot: Self.start)
        try await emulator.serve { url in
            let chain = OgmiosClient(url: url)
            try await withLiveServer(configure: {
                $0.ledger = .cardano(CardanoSettings(chain: chain, key: Self.service, network: .testnet, networkName: "preprod", followInterval: .milliseconds(100)))
                $0.readingRewards = ReadingRewards(perReading: 2_000_000, cooldownSlots: 100_000)
                $0.anchorInterval = nil
            }) { client, _, admin in
                let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bms-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: directory) }
                let batteryID = "https://id.gs1.org/01/04012345000009/21/R-1"
                let bms = try BMSEmulator.create(at: directory, batteryID: batteryID)
                var device = PassportFixtures.device(serial: "R-1", lot: "L", key: SoftwareSigner.generate(.ed25519))
                device["publicKeyMultibase"] = .string(bms.publicKey.multikey)
                let issued = try await client.execute(
                    uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
                #expect(issued.status == .created)

                // Before the root is on chain the verdict cannot be green; anchored, the chain confirms it.
                let anchored = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
                #expect(anchored.status == .ok)
                let verdict = try await client.execute(uri: "/verify/device/R-1", method: .get, headers: [.accept: "application/json"]).json
                #expect(verdict["verdict"] as? String == "green")
                #expect((verdict["checks"] as? [String])?.contains("anchor_on_chain") == true)
                let onChain = try #require(verdict["chainAnchor"] as? [String: Any])
                #expect(onChain["chain"] as? String == "cardano-preprod")
                let anchorTransaction = try #require(onChain["transaction"] as? String)
                #expect(await emulator.accepted.map(\.description).contains(anchorTransaction))
                let firstBundle = try await Self.bundle(client)
                #expect(try Transaction(cbor: try #require(firstBundle.anchorTransaction).cbor).id.description == anchorTransaction)

                // The pool is funded on chain; a user commits (a Cardano transaction: its id is the challenge) and the BMS signs.
                let funded = try await client.execute(
                    uri: "/operators/packmaker/reward-pool", method: .post, headers: auth, body: jsonBody(["amount": 10_000_000]))
                #expect(try funded.json["pool"] as? Double == 10_000_000)
                // An output below Cardano's minimum ada is refused with its code, and nothing is submitted.
                let submittedBefore = await emulator.accepted.count
                let dust = try await client.execute(
                    uri: "/operators/packmaker/reward-pool", method: .post, headers: auth, body: jsonBody(["amount": 1_000]))
                #expect(try dust.status == .unprocessableContent && dust.json["code"] as? String == "amount_below_minimum")
                #expect(await emulator.accepted.count == submittedBefore)
                let user = SoftwareSigner.generate(.ed25519)
                let committed = try await client.execute(
                    uri: "/readings/commitments", method: .post,
                    body: jsonBody(["battery": "R-1", "user": .string(user.verificationKey.multikey)]))
                #expect(committed.status == .created)
                let challengeHex = try #require(try committed.json["challenge"] as? String)
                #expect(await emulator.accepted.map(\.description).contains(challengeHex))
                try await bms.cycle(30)
                let challenge = try Hex.decode(challengeHex)
                let reading = try await bms.read(challenge: challenge).encoded
                let signature = try await user.sign(SubmitterProof.submissionMessage(challenge: challenge, reading: reading))
                let submitted = try await client.execute(
                    uri: "/readings", method: .post,
                    body: jsonBody([
                        "reading": .string(Hex.encode(reading)), "submitter": .string(user.verificationKey.multikey),
                        "signature": .string(Hex.encode(signature)),
                    ]))
                #expect(submitted.status == .accepted)

                // The operator's batch: one transaction settles the reading, pays the reader and moves the anchor.
                let batch = try await client.execute(uri: "/operators/packmaker/incorporate", method: .post, headers: auth)
                #expect(batch.status == .ok)
                #expect(try batch.json["paid"] as? Double == 2_000_000)
                let settlement = try #require(try batch.json["transaction"] as? String)
                let reader = try EnterpriseAddress(
                    credential: .keyHash(KeyHash(publicKey: user.verificationKey.rawRepresentation).bytes), network: .testnet)
                let paid = try await chain.utxos(at: [reader.bech32])
                #expect(paid.map(\.output.value.coin) == [2_000_000])
                #expect(paid.map(\.input.transactionID.description) == [settlement])

                var asOperator = auth
                asOperator[.accept] = "application/json"
                let after = try await client.execute(uri: "/verify/device/R-1", method: .get, headers: asOperator).json
                #expect(after["verdict"] as? String == "green")
                #expect((after["chainAnchor"] as? [String: Any])?["transaction"] as? String == settlement)
                #expect((after["chainAnchor"] as? [String: Any])?["slot"] as? Double == Double(Self.start))
                // The page names the chain, the transaction and its slot.
                let page = String(buffer: try await client.execute(uri: "/verify/device/R-1", method: .get, headers: [.accept: "text/html"]).body)
                #expect(page.contains("cardano-preprod") && page.contains(settlement) && page.contains("slot \(Self.start)"))
                #expect((after["passport"] as? [String: Any])?["cycleCount"] as? Double == 30)

                // Any transaction the service built, with the outputs it spends, for an auditor to re-evaluate.
                let exported = try await client.execute(uri: "/ledger/transactions/\(settlement)", method: .get)
                #expect(exported.status == .ok)
                let export = try exported.json
                let settlementTx = try Transaction(cbor: try Hex.decode(try #require(export["cbor"] as? String)))
                #expect(settlementTx.id.description == settlement && export["chain"] as? String == "cardano-preprod")
                let spent = try #require(export["spent"] as? [[String: Any]])
                #expect(Set(spent.compactMap { $0["transactionId"] as? String }).isSuperset(of: [anchorTransaction]))
                #expect(spent.count == settlementTx.body.inputs.count)
                let unknown = try await client.execute(uri: "/ledger/transactions/\(String(repeating: "ab", count: 32))", method: .get)
                #expect(unknown.status == .notFound)

                // A counterfeit under the operator's company prefix: provably absent from its trie at the root the chain holds.
                let fake = try await client.execute(uri: "/01/04012345000009/21/FAKE-1", method: .get, headers: [.accept: "application/json"]).json
                #expect(fake["verdict"] as? String == "red")
                #expect((fake["checks"] as? [String])?.contains("non_membership") == true)
                let absent = try #require(fake["nonMembership"] as? [String: Any])
                #expect(absent["chain"] as? String == "cardano-preprod" && absent["anchoredIn"] as? String == settlement)
                let absentRootHex = try #require(absent["root"] as? String)
                let absentRoot = try #require(Hash32(hex: absentRootHex))
                #expect(absentRoot.hex == (after["chainAnchor"] as? [String: Any])?["root"] as? String)
                let absentProof = try Proof(cbor: try Hex.decode(try #require(absent["proof"] as? String)))
                #expect(MPF.miss(root: absentRoot, key: Array("https://id.gs1.org/01/04012345000009/21/FAKE-1".utf8), proof: absentProof))
                #expect(!MPF.miss(root: absentRoot, key: Array(batteryID.utf8), proof: absentProof))
                let fakePage = String(buffer: try await client.execute(uri: "/01/04012345000009/21/FAKE-1", method: .get, headers: [.accept: "text/html"]).body)
                #expect(fakePage.contains("Provably not issued") && fakePage.contains(settlement))
                // Under a prefix nobody registered there is nothing to prove.
                let foreign = try await client.execute(uri: "/01/09912345000007/21/X-1", method: .get, headers: [.accept: "application/json"]).json
                #expect(foreign["verdict"] as? String == "red" && foreign["nonMembership"] is NSNull)

                // The follower confirmed what landed: nothing pending, nothing dropped, no anchor behind.
                var metrics = ""
                for _ in 0..<100 where !metrics.contains("voltpass_cardano_tip_slot") {
                    metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(metrics.contains("voltpass_cardano_ledger_diverged 0"), "\(metrics.split(separator: "\n").filter { $0.contains("cardano") })")

                // Offline, the bundle carries the settlement: its id is the checkpoint's transaction and its output the root.
                let bundle = try await Self.bundle(client)
                let verifier = PassportVerifier(trustedKeys: try PinnedKeys(document: try #require(bundle.didDocuments.first)))
                let offline = await verifier.verify(bundle)
                #expect(offline.verdict == .green && offline.checks.contains("anchor_transaction"), "\(offline.failureCodes)")
                #expect(try Transaction(cbor: try #require(bundle.anchorTransaction).cbor).id.description == settlement)
                // Another anchoring transaction of the operator, or bytes that are none, do not vouch for the checkpoint.
                var swapped = bundle
                swapped.anchorTransaction = firstBundle.anchorTransaction
                #expect(await verifier.verify(swapped).failureCodes == ["anchor_transaction_mismatch"])
                // The operator's DID document lists the key that signs the anchors; a document without it binds nothing.
                let document = try #require(bundle.didDocuments.first { $0.id == bundle.operatorID })
                #expect(document.cardanoPaymentAddress == Self.service.enterpriseAddress(network: .testnet).bech32)
                var unlisted = bundle
                var documentJSON = document.json
                documentJSON["service"] = nil
                unlisted.didDocuments = [try DIDDocument(.object(documentJSON))]
                #expect(await verifier.verify(unlisted).failureCodes.contains("anchor_transaction_mismatch"))
                var garbled = bundle
                garbled.anchorTransaction = AnchoringTransaction(chain: "cardano-preprod", cbor: [0x84, 0x00], outputIndex: 0)
                #expect(await verifier.verify(garbled).failureCodes == ["anchor_transaction_invalid"])
            }
        }
    }
}
