import Encoding
import Foundation
import Passport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Ledger
import Readings
import Server
import ServerTestSupport
import Testing

/// Signed BMS readings over real HTTP on loopback: a BMS emulator answers challenges committed on the
/// local ledger, users submit, the operator's batch incorporates and pays. Every attack of the
/// specification's table and every gate ends with its own code.
@Suite struct ReadingEndToEndTests {
    /// A provisioned pack with its BMS, a funded operator and a user.
    struct Fixture {
        let client: LoopbackClient
        let auth: HTTPFields
        let bms: BMSEmulator
        let directory: URL
        let batteryID = "https://id.gs1.org/01/04012345000009/21/R-1"

        /// Commits as `user`, taps the BMS (or uses `reading` instead) and submits.
        func submit(as user: SoftwareSigner, reading: ((_ challenge: [UInt8]) async throws -> [UInt8])? = nil) async throws -> LoopbackResponse {
            let challenge = try await commit(as: user)
            let bytes: [UInt8]
            if let reading {
                bytes = try await reading(challenge)
            } else {
                bytes = try await bms.read(challenge: challenge).encoded
            }
            return try await submit(bytes, challenge: challenge, as: user)
        }

        func commit(as user: SoftwareSigner) async throws -> [UInt8] {
            let response = try await client.execute(
                uri: "/readings/commitments", method: .post,
                body: jsonBody(["battery": "R-1", "user": .string(user.verificationKey.multikey)]))
            #expect(response.status == .created)
            return try Hex.decode(try #require(try response.json["challenge"] as? String))
        }

        func submit(_ bytes: [UInt8], challenge: [UInt8], as user: SoftwareSigner) async throws -> LoopbackResponse {
            let signature = try await user.sign(SubmitterProof.submissionMessage(challenge: challenge, reading: bytes))
            return try await client.execute(
                uri: "/readings", method: .post,
                body: jsonBody([
                    "reading": .string(Hex.encode(bytes)), "submitter": .string(user.verificationKey.multikey),
                    "signature": .string(Hex.encode(signature)),
                ]))
        }

        func incorporate() async throws -> [String: Any] {
            let response = try await client.execute(uri: "/operators/packmaker/incorporate", method: .post, headers: auth)
            #expect(response.status == .ok)
            return try response.json
        }

        func outcomeCodes(_ summary: [String: Any]) -> [String] {
            (summary["outcomes"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        }
    }

    func withFixture(cooldownSlots: UInt64 = 100_000, maxAgeSlots: UInt64 = 200, _ test: @Sendable (Fixture) async throws -> Void)
        async throws
    {
        try await withLiveServer(configure: {
            $0.readingRewards = ReadingRewards(perReading: 100, cooldownSlots: cooldownSlots)
            $0.ledgerParameters = LedgerParameters(maxAgeSlots: maxAgeSlots)
        }) { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bms-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let bms = try BMSEmulator.create(at: directory, batteryID: "https://id.gs1.org/01/04012345000009/21/R-1")
            var device = PassportFixtures.device(serial: "R-1", lot: "L", key: SoftwareSigner.generate(.ed25519))
            device["publicKeyMultibase"] = .string(bms.publicKey.multikey)
            let issued = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth, body: jsonBody(["operator": "packmaker", "device": .object(device)]))
            #expect(issued.status == .created)
            let funded = try await client.execute(
                uri: "/operators/packmaker/reward-pool", method: .post, headers: auth, body: jsonBody(["amount": 250]))
            #expect(try funded.json["pool"] as? Double == 250)
            try await test(Fixture(client: client, auth: auth, bms: bms, directory: directory))
        }
    }

    @Test func honestReadingsAreIncorporatedAndRewardedOnce() async throws {
        try await withFixture { fixture in
            let user = SoftwareSigner.generate(.ed25519)
            let other = SoftwareSigner.generate(.p256)
            try await fixture.bms.cycle(50)
            let first = try await fixture.submit(as: user)
            #expect(first.status == .accepted)
            #expect(try first.json["status"] as? String == "pending")
            let id = try #require(try first.json["id"] as? String)

            // First scan: the submitter becomes the reader and is rewarded.
            let batch = try await fixture.incorporate()
            #expect(fixture.outcomeCodes(batch) == ["rewarded"])
            #expect(batch["paid"] as? Double == 100)
            let settled = try await fixture.client.execute(uri: "/readings/\(id)", method: .get).json
            #expect(settled["status"] as? String == "incorporated")
            #expect(settled["reward"] as? Double == 100)

            // Soft gates: the reader within the cooldown, and someone else, are incorporated without reward.
            try await fixture.bms.cycle(10)
            #expect(try await fixture.submit(as: user).status == .accepted)
            try await fixture.bms.cycle(10)
            #expect(try await fixture.submit(as: other).status == .accepted)
            let second = try await fixture.incorporate()
            #expect(fixture.outcomeCodes(second) == ["cooldown_active", "reader_not_authorized"])
            #expect(second["incorporated"] as? Double == 2)
            #expect(second["paid"] as? Double == 0)

            // The passport shows the reading and the anchor is current.
            var asOperator = fixture.auth
            asOperator[.accept] = "application/json"
            let passport = try await fixture.client.execute(uri: "/verify/device/R-1", method: .get, headers: asOperator).json
            #expect(passport["verdict"] as? String == "green")
            let attributes = try #require(passport["passport"] as? [String: Any])
            #expect(attributes["status"] as? String == "Active")
            #expect(attributes["cycleCount"] as? Double == 70)
            let history = try await fixture.client.execute(uri: "/batteries/R-1/readings", method: .get).json
            #expect((history["readings"] as? [[String: Any]])?.count == 3)

            // The page: the operator sees the state of health over the three readings, each point linked
            // to its reading; the public sees that readings were accepted, not their values.
            var pageAsOperator = fixture.auth
            pageAsOperator[.accept] = "text/html"
            let operatorPage = String(buffer: try await fixture.client.execute(uri: "/verify/device/R-1", method: .get, headers: pageAsOperator).body)
            #expect(operatorPage.contains("<figure id=\"health\">") && operatorPage.contains("<a href=\"/readings/\(id)\"><circle"))
            #expect(operatorPage.components(separatedBy: "<circle").count == 4)
            #expect(operatorPage.contains("<td>70</td>"), "the newest reading's cycle count in the table")
            #expect(operatorPage.contains("stroke-dasharray") && operatorPage.contains("charge cycles (dashed line, 0 to 70)"), "the cycles' line, scaled to the most")
            #expect(operatorPage.contains("3 signed BMS reading(s) accepted"))
            let publicPage = String(
                buffer: try await fixture.client.execute(uri: "/verify/device/R-1", method: .get, headers: [.accept: "text/html"]).body)
            #expect(publicPage.contains("3 signed BMS reading(s) accepted") && !publicPage.contains("<figure id=\"health\">"))

            // Nothing pending: the batch does nothing.
            #expect(try await fixture.incorporate()["incorporated"] as? Double == 0)
        }
    }

    @Test func attacksOfTheSpecificationAreRejected() async throws {
        // A freshness window of 4 slots: wide enough for a loaded machine to submit in time, short enough to wait out.
        try await withFixture(maxAgeSlots: 4) { fixture in
            let user = SoftwareSigner.generate(.ed25519)
            let first = try await fixture.commit(as: user)
            let honest = try await fixture.bms.read(challenge: first).encoded
            #expect(try await fixture.submit(honest, challenge: first, as: user).status == .accepted)

            // Replay an old reading: its commitment is consumed.
            let replay = try await fixture.submit(honest, challenge: first, as: user)
            #expect(replay.status == .unprocessableContent)
            #expect(try replay.json["code"] as? String == "commitment_consumed")

            // Stockpile: a second reading for one commitment cannot be submitted.
            let stockpiled = try await fixture.bms.read(challenge: first).encoded
            #expect(try await fixture.submit(stockpiled, challenge: first, as: user).json["code"] as? String == "commitment_consumed")

            // Forge a commitment: a challenge that no commitment transaction has.
            let forged = (0..<32).map { _ in UInt8.random(in: 0...255) }
            let forgedReading = try await fixture.bms.read(challenge: forged).encoded
            #expect(try await fixture.submit(forgedReading, challenge: forged, as: user).json["code"] as? String == "commitment_not_found")

            // Backdate: a commitment older than the freshness window.
            let old = try await fixture.commit(as: user)
            let late = try await fixture.bms.read(challenge: old).encoded
            try await Task.sleep(for: .seconds(6))
            #expect(try await fixture.submit(late, challenge: old, as: user).json["code"] as? String == "stale_challenge")
        }
    }

    @Test func eachHardGateHasItsCode() async throws {
        try await withFixture { fixture in
            let user = SoftwareSigner.generate(.ed25519)
            try await fixture.bms.cycle(20)
            #expect(try await fixture.submit(as: user).status == .accepted)
            #expect(try await fixture.incorporate()["incorporated"] as? Double == 1)
            let element = try SoftwareSecureElement.open(at: fixture.directory.appendingPathComponent(BMSEmulator.secureElementFile))

            func code(_ response: LoopbackResponse) throws -> String? { try response.json["code"] as? String }

            // A BMS that is not the registered one (a swapped or counterfeit module).
            let stranger = SoftwareSigner.generate(.ed25519)
            let foreign = try await fixture.submit(as: user) { challenge in
                try await SignedReading.sign(
                    Reading(batteryID: fixture.batteryID, challenge: challenge, counter: 1_000, state: await fixture.bms.state), signer: stranger
                ).encoded
            }
            #expect(try code(foreign) == "signature_invalid")
            // The submitter's signature does not match the submission.
            let challenge = try await fixture.commit(as: user)
            let bytes = try await fixture.bms.read(challenge: challenge).encoded
            let badSignature = try await fixture.client.execute(
                uri: "/readings", method: .post,
                body: jsonBody([
                    "reading": .string(Hex.encode(bytes)), "submitter": .string(user.verificationKey.multikey),
                    "signature": .string(String(repeating: "00", count: 64)),
                ]))
            #expect(try code(badSignature) == "submitter_signature_invalid")
            // Someone else submits the user's commitment.
            #expect(try code(try await fixture.submit(bytes, challenge: challenge, as: SoftwareSigner.generate(.ed25519))) == "commitment_owner_mismatch")
            // Misbehaving firmware: a counter reset, a rising state of health.
            try await fixture.bms.misbehave(.resetCounter)
            #expect(try code(try await fixture.submit(as: user)) == "counter_not_increasing")
            try await fixture.bms.misbehave(.risingSoH)
            #expect(try code(try await fixture.submit(as: user)) == "soh_increased")
            try await fixture.bms.misbehave(.none)
            // Fewer cycles than the last accepted reading, signed by the genuine secure element.
            let fewer = try await fixture.submit(as: user) { challenge in
                var state = await fixture.bms.state
                state.cycleCount = 5
                return try await SignedReading.sign(batteryID: fixture.batteryID, challenge: challenge, state: state, secureElement: element)
                    .encoded
            }
            #expect(try code(fewer) == "cycles_decreased")
            // Values no battery can have.
            let impossible = try await fixture.submit(as: user) { challenge in
                var state = await fixture.bms.state
                state.stateOfChargePerMille = 1_500
                return try await SignedReading.sign(batteryID: fixture.batteryID, challenge: challenge, state: state, secureElement: element)
                    .encoded
            }
            #expect(try code(impossible) == "reading_out_of_range")
        }
    }

    /// The batch re-runs the gates as it goes: of two readings that each passed on submission, the
    /// one with the lower counter, incorporated second, is rejected.
    @Test func theBatchRechecksAgainstTheLeavesItChanges() async throws {
        try await withFixture { fixture in
            let user = SoftwareSigner.generate(.ed25519)
            let earlier = try await fixture.commit(as: user)
            let earlierReading = try await fixture.bms.read(challenge: earlier).encoded
            let later = try await fixture.commit(as: user)
            let laterReading = try await fixture.bms.read(challenge: later).encoded
            #expect(try await fixture.submit(laterReading, challenge: later, as: user).status == .accepted)
            #expect(try await fixture.submit(earlierReading, challenge: earlier, as: user).status == .accepted)
            let batch = try await fixture.incorporate()
            #expect(fixture.outcomeCodes(batch) == ["rewarded", "counter_not_increasing"])
            #expect(batch["rejected"] as? Double == 1)
        }
    }

    /// The reading right moves only with the current reader's signature.
    @Test func readerRightTransfer() async throws {
        try await withFixture(cooldownSlots: 0) { fixture in
            let first = SoftwareSigner.generate(.ed25519)
            let second = SoftwareSigner.generate(.ed25519)
            #expect(try await fixture.submit(as: first).status == .accepted)
            _ = try await fixture.incorporate()
            let newReader = KeyHash(publicKey: second.publicKey)

            func transfer(signedBy signer: SoftwareSigner) async throws -> LoopbackResponse {
                let challenge = try #require(try await fixture.client.execute(uri: "/challenges", method: .post).json["challenge"] as? String)
                let message = SubmitterProof.readerTransferMessage(batteryID: fixture.batteryID, newReader: newReader.bytes, challenge: challenge)
                return try await fixture.client.execute(
                    uri: "/batteries/R-1/reader", method: .post,
                    body: jsonBody([
                        "newReader": .string(newReader.hex), "publicKeyMultibase": .string(signer.verificationKey.multikey),
                        "challenge": .string(challenge), "signature": .string(Hex.encode(try await signer.sign(message))),
                    ]))
            }
            let refused = try await transfer(signedBy: second)
            #expect(refused.status == .forbidden)
            #expect(try refused.json["code"] as? String == "actor_not_authorized")
            #expect(try await transfer(signedBy: first).status == .ok)
            try await fixture.bms.cycle(5)
            #expect(try await fixture.submit(as: second).status == .accepted)
            #expect(fixture.outcomeCodes(try await fixture.incorporate()) == ["rewarded"])
        }
    }
}
