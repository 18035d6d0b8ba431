import Credentials
import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Passport
import Server
import ServerTestSupport
import VoltpassDemo
import Testing

/// The demo of `voltpass serve --demo`, seeded small (20 packs) and checked over real HTTP: each URL
/// it prints gives the result it promises, the BOM names the cell maker's credentials, and seeding
/// again changes nothing. Runs on SQLite, and on PostgreSQL when `VOLTPASS_POSTGRES_URL` is set.
@Suite struct DemoScenarioTests {
    @Test(arguments: testedStores)
    func seededDemoVerifiesAsPrinted(store: String) async throws {
        try await withLiveServer(storeKind: store) { client, server, _ in
            let report = try await DemoScenario(server: server, packCount: 20).run()
            #expect(report.seeded)
            #expect(report.packCount == 20)
            #expect(report.operators.map(\.name) == ["cellmaker", "packmaker", "integrator"])
            #expect(report.operators.allSatisfy { $0.did.hasPrefix("did:web:localhost%3A8080:operators:") })
            let path = { (url: String) in String(url.dropFirst(report.resolverBase.count)) }
            // The printed text says where verifiers resolve the DIDs (HTTPS) and how to put TLS in front.
            let text = report.text(voltpass: "voltpass")
            #expect(text.contains("other verifiers fetch https://localhost:8080/operators/cellmaker/did.json over HTTPS"), "\(text)")
            #expect(text.contains("--public-host passports.example.com"))

            // Readings: honest ones rewarded; each attack and misbehaviour refused with its code.
            #expect(report.readings.map(\.outcome) == [
                "rewarded", "rewarded", "refused: commitment_consumed", "refused: commitment_consumed",
                "refused: commitment_not_found", "refused: commitment_not_found", "refused: counter_not_increasing",
                "refused: soh_increased", "cooldown_active",
            ])

            // Genuine: by serial and by its plate URL.
            let bySerial = try await verifyOverHTTP(client, "/verify/device/\(report.genuineSerial)")
            #expect(bySerial.verdict == "green", "\(bySerial.codes)")
            let plate = try await verifyOverHTTP(client, path(report.genuinePlateURL))
            #expect(plate.verdict == "green", "\(plate.codes)")
            #expect(plate.owner == nil, "the owner is not among the public attributes")
            let full = try await server.passports.verify(path(report.genuinePlateURL))
            #expect(full.passport["owner"]?.stringValue?.hasPrefix("did:key:") == true, "the genuine pack was sold on by the integrator")

            // Recalled (the lot built from the flagged cell lot), recycled, counterfeit and cloned: red, each for its reason.
            for (url, code) in [
                (report.recalledPlateURL, "recalled"), (report.recycledPlateURL, "recycled"), (report.counterfeitURL, "unknown_device"),
                (report.clonedTokenURL, "token_mismatch"),
            ] {
                let result = try await verifyOverHTTP(client, path(url))
                #expect(result.verdict == "red", "\(url)")
                #expect(result.codes == [code], "\(url)")
            }
            let counterfeit = try await verifyOverHTTP(client, "/verify/device/\(report.counterfeitSerial)")
            #expect(counterfeit.verdict == "red")
            #expect(counterfeit.codes == ["unknown_device"])

            // The BOM names the cell maker's credentials of the cells, and they are there.
            let bom = try await client.execute(uri: "/credentials/\(report.bomCredentialID)", method: .get)
            #expect(bom.status == .ok)
            let subject = try #require(try bom.json["credentialSubject"] as? [String: Any])
            let components = try #require(subject["components"] as? [String])
            #expect(!components.isEmpty)
            #expect(Set(components).isSubset(of: report.cellCredentialIDs))
            let cellMaker = try #require(report.operators.first { $0.name == "cellmaker" })
            for id in components {
                let cell = try await client.execute(uri: "/credentials/\(id)", method: .get)
                #expect(cell.status == .ok)
                #expect(try cell.json["issuer"] as? String == cellMaker.did)
                #expect(try (cell.json["type"] as? [String])?.contains("VscObjectEventCredential") == true)
            }

            // The bundle, the trie root with every pack, and the recall reach of the flagged cell lot.
            let bundle = try await client.execute(uri: path(report.bundleURL), method: .get)
            #expect(bundle.status == .ok)
            #expect(try PassportBundle(json: try JSONValue(parsing: Array(buffer: bundle.body))).batteryID.hasSuffix(report.genuineSerial))
            let root = try await client.execute(uri: path(report.trieRootURL), method: .get)
            #expect(root.status == .ok)
            #expect(try root.json["keyCount"] as? Double == 20)
            let trace = try await client.execute(
                uri: "/epcis/trace?identifier=\(report.recalledCellLot)&direction=downstream", method: .get)
            let reached = try #require(try trace.json["identifiers"] as? [String])
            #expect(reached.contains { $0.hasSuffix("/21/\(report.recalledSerial)") })

            // A few packs' secure elements, for field diagnostics.
            #expect(report.secureElements.map(\.serial).contains(report.genuineSerial))
            #expect(report.secureElements.allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
        }
    }

    /// Operators choose the cryptosuite per credential type (`serve --cryptosuite TYPE=SUITE`): the
    /// demo's passport credentials and events signed with the RDFC suites verify as the JCS ones do.
    @Test func operatorsChooseTheSuitePerCredentialType() async throws {
        let choices = ["BatteryDeviceCredential", "BatteryBOMCredential", "BatteryOwnershipCredential", "VscObjectEventCredential"]
        let policy = try #require(CryptosuitePolicy(choices: choices.map { $0 + "=eddsa-rdfc-2022" }))
        try await withLiveServer(configure: { $0.cryptosuites = policy }) { client, server, _ in
            let report = try await DemoScenario(server: server, packCount: 6).run()
            #expect(try await verifyOverHTTP(client, "/verify/device/\(report.genuineSerial)").verdict == "green")
            let bundle = try await client.execute(uri: String(report.bundleURL.dropFirst(report.resolverBase.count)), method: .get)
            let credentials = try #require(try bundle.json["credentials"] as? [String: Any])
            for name in ["device", "bom"] {
                let proof = try #require((credentials[name] as? [String: Any])?["proof"] as? [String: Any])
                #expect(proof["cryptosuite"] as? String == "eddsa-rdfc-2022", "\(name)")
            }
        }
        // A suite the operator's (Ed25519) key cannot sign with stops the start, not every issuance later.
        let mismatch = try #require(CryptosuitePolicy(choices: ["BatteryDeviceCredential=ecdsa-rdfc-2019"]))
        let refused = await #expect(throws: ConfigurationError.self) {
            try await withLiveServer(configure: { $0.cryptosuites = mismatch }) { _, _, _ in }
        }
        #expect(refused?.code == "cryptosuite_key_mismatch")
        #expect(CryptosuitePolicy(choices: ["BatteryDeviceCredential"]) == nil)
        // A base proof is for a holder to derive from; a passport's verifiers would refuse it.
        #expect(CryptosuitePolicy(choices: ["BatteryDeviceCredential=ecdsa-sd-2023"]) == nil)
        #expect(CryptosuitePolicy(choices: ["BatteryDeviceCredential=bbs-2023"]) == nil)
        #expect(policy.mismatches(for: .p256) == choices.sorted().map { $0 + "=eddsa-rdfc-2022" })
    }

    @Test func seedingTwiceIsIdempotent() async throws {
        try await withLiveServer { client, server, _ in
            let scenario = DemoScenario(server: server, packCount: 20)
            let first = try await scenario.run()
            let second = try await scenario.run()
            #expect(first.seeded)
            #expect(!second.seeded)
            #expect(second.links.map(\.url) == first.links.map(\.url))
            #expect(second.operators == first.operators)
            let root = try await client.execute(uri: String(first.trieRootURL.dropFirst(first.resolverBase.count)), method: .get)
            #expect(try root.json["keyCount"] as? Double == 20)
            #expect(try await verifyOverHTTP(client, "/verify/device/\(first.genuineSerial)").verdict == "green")

            // The demo's operators without its record: not a demo to reprint, and nothing is seeded over them.
            try FileManager.default.removeItem(at: scenario.recordURL)
            let error = await #expect(throws: PassportError.self) { try await scenario.run() }
            #expect(error?.code == "demo_incomplete")
        }
    }

}
