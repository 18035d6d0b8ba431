import Credentials
import Encoding
import Foundation
import Passport
import Storage
import Testing
import Trie

/// The battery passport repository every store implements, run against SQLite and (when
/// `VOLTPASS_POSTGRES_URL` is set) PostgreSQL.
struct PassportStoreConformance {
    let database: any TestDatabase

    struct Check: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (PassportStoreConformance) async throws -> Void
        var testDescription: String { name }
    }

    static let checks: [Check] = [
        Check(name: "operators: save, get, list by id") { try await $0.operators() },
        Check(name: "operators: an id or name in use is refused") { try await $0.duplicateOperators() },
        Check(name: "devices: a batch saves devices, keys, owners, credentials and feed") { try await $0.batch() },
        Check(name: "devices: a batch with a device or credential in use saves nothing") { try await $0.atomicBatch() },
        Check(name: "devices: selected by serial, model or lot") { try await $0.selectors() },
        Check(name: "BMS keys: appended in sequence, anything else refused") { try await $0.bmsKeys() },
        Check(name: "ownership: appended in sequence, anything else refused") { try await $0.ownership() },
        Check(name: "ownership: of concurrent hand-offs one wins") { try await $0.concurrentHandOffs() },
        Check(name: "status feed: newest first, then last inserted first, limited") { try await $0.statusFeed() },
        Check(name: "recalls: save, list newest first, refuse an id in use") { try await $0.recalls() },
        Check(name: "status bits in a change set: the entries named, the lists as committed, nothing outside") {
            try await $0.statusBitsInChangeSet()
        },
        Check(name: "status bits in a change set: signed with the bits where the store can, a failed signature changes nothing") {
            try await $0.statusListsSignedInChangeSet()
        },
        Check(name: "checkpoints: appended in sequence per operator, the newest read back") { try await $0.checkpoints() },
        Check(name: "checkpoints: of concurrent appends of one number one wins") { try await $0.concurrentCheckpoints() },
    ]

    static let base = Date(timeIntervalSince1970: 1_750_000_000.25)

    /// Ids that sort differently by code point ("Z" < "a") than by most locales' collation.
    static let cells = OperatorRecord(
        id: "did:web:voltpass.example:operators:Zellwerk", name: "Zellwerk", gln: "4012345000009", companyPrefixes: ["4012345"],
        suspensionList: "https://voltpass.example/operators/Zellwerk/status-lists/1",
        revocationList: "https://voltpass.example/operators/Zellwerk/status-lists/2", createdAt: base)
    static let packs = OperatorRecord(
        id: "did:web:voltpass.example:operators:akku-nord", name: "akku-nord",
        suspensionList: "https://voltpass.example/operators/akku-nord/status-lists/1",
        revocationList: "https://voltpass.example/operators/akku-nord/status-lists/2", createdAt: base.addingTimeInterval(60))

    /// One device as provisioning stores it: the device, its Device and BOM credentials, first BMS key,
    /// first owner (with its Ownership credential) and `provisioned` feed entry. Ids derive from `host`,
    /// `gtin` and `serial`; the commissioning credential is an EPCIS event credential, stored elsewhere.
    static func provisioned(
        _ serial: String, model: String = "NMC-21700-50E", lot: String? = "LOT-7", gtin: String = "04012345123456",
        host: String = "id.voltpass.example", by owner: OperatorRecord = cells
    ) -> DeviceBatch {
        let id = "https://\(host)/01/\(gtin)/21/\(serial)"
        let prefix = "urn:x-voltpass:\(host):\(gtin):\(serial)"
        func credential(_ kind: String, subject: String?) -> StoredCredential {
            StoredCredential(
                id: "\(prefix):\(kind)", issuer: owner.id, types: ["VerifiableCredential", "Battery\(kind)Credential"],
                subject: subject, issuedAt: base, document: Array(#"{"id":"\#(prefix):\#(kind)"}"#.utf8))
        }
        // A credential without a subject round-trips as one.
        let credentials = [
            credential("Device", subject: id), credential("BOM", subject: nil), credential("Ownership", subject: id),
        ]
        let device = DeviceRecord(
            id: id, operatorID: owner.id, gtin: gtin, serial: serial, lot: lot, model: model, did: "did:key:z6Mk\(serial)",
            deviceCredentialID: credentials[0].id, bomCredentialID: credentials[1].id,
            commissioningCredentialID: "\(prefix):Commissioning", deviceStatusIndex: 4711, deviceStatusList: owner.suspensionList,
            createdAt: base)
        return DeviceBatch(
            devices: [device],
            keys: [
                BMSKeyRecord(
                    deviceID: id, sequence: 1, publicKeyMultibase: "z6MkBMS\(serial)", credentialID: credentials[0].id, validFrom: base)
            ],
            ownership: [
                OwnershipRecord(
                    deviceID: id, sequence: 1, owner: owner.id, credentialID: credentials[2].id, statusIndex: 815,
                    statusList: owner.revocationList, transferredAt: base)
            ],
            credentials: credentials,
            feed: [
                StatusFeedEntry(deviceID: id, kind: .provisioned, detail: Array(#"{"model":"\#(model)"}"#.utf8), recordedAt: base)
            ])
    }

    /// The batches as one.
    static func merged(_ batches: DeviceBatch...) -> DeviceBatch {
        DeviceBatch(
            devices: batches.flatMap(\.devices), keys: batches.flatMap(\.keys), ownership: batches.flatMap(\.ownership),
            credentials: batches.flatMap(\.credentials), feed: batches.flatMap(\.feed))
    }

    /// The same batch with its credentials under new ids, as a second provisioning of its devices would have.
    static func reissued(_ batch: DeviceBatch) -> DeviceBatch {
        func renamed(_ id: String) -> String { "\(id):reissued" }
        var copy = batch
        copy.credentials = batch.credentials.map { credential in
            var credential = credential
            credential.id = renamed(credential.id)
            return credential
        }
        copy.devices = batch.devices.map { device in
            var device = device
            device.deviceCredentialID = renamed(device.deviceCredentialID)
            device.bomCredentialID = renamed(device.bomCredentialID)
            return device
        }
        copy.keys = batch.keys.map { key in
            var key = key
            key.credentialID = renamed(key.credentialID)
            return key
        }
        copy.ownership = batch.ownership.map { link in
            var link = link
            link.credentialID = renamed(link.credentialID)
            return link
        }
        return copy
    }

    /// A credential registering a device's next BMS key or owner.
    static func credential(_ id: String, about deviceID: String) -> StoredCredential {
        StoredCredential(
            id: id, issuer: cells.id, types: ["VerifiableCredential"], subject: deviceID, issuedAt: base.addingTimeInterval(600),
            document: Array("{}".utf8))
    }

    /// Opens a store on the test database (migrating it), runs `body` with it, and closes it.
    func withStore<Result: Sendable>(_ body: (any VoltpassStore & PassportRepository) async throws -> Result) async throws -> Result {
        try await database.withStore { store in
            try await body(try #require(store as? any VoltpassStore & PassportRepository, "\(type(of: store)) keeps no passports"))
        }
    }

    // MARK: Checks

    func operators() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.packs)
            try await store.saveOperator(Self.cells)
            #expect(try await store.operatorRecord(id: Self.cells.id) == Self.cells)
            #expect(try await store.operatorRecord(id: Self.packs.id) == Self.packs, "absent GLN and company prefix stay absent")
            #expect(try await store.operatorRecord(id: "did:web:voltpass.example:operators:nobody") == nil)
            #expect(try await store.operators() == [Self.cells, Self.packs])
        }
    }

    func duplicateOperators() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            var sameID = Self.packs
            sameID.id = Self.cells.id
            await expectCode("operator_exists") { try await store.saveOperator(sameID) }
            var sameName = Self.packs
            sameName.name = Self.cells.name
            await expectCode("operator_exists") { try await store.saveOperator(sameName) }
            var undated = Self.packs
            undated.createdAt = Date(timeIntervalSince1970: .infinity)
            await expectCode("invalid_value") { try await store.saveOperator(undated) }
            #expect(try await store.operators() == [Self.cells])
        }
    }

    func batch() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            let batch = Self.merged(Self.provisioned("A-1"), Self.provisioned("A-2", lot: nil))
            try await store.saveDevices(batch)
            for device in batch.devices {
                #expect(try await store.device(id: device.id) == device)
                #expect(try await store.bmsKeys(device: device.id) == batch.keys.filter { $0.deviceID == device.id })
                #expect(try await store.ownershipChain(device: device.id) == batch.ownership.filter { $0.deviceID == device.id })
                #expect(try await store.statusFeed(device: device.id, limit: 10) == batch.feed.filter { $0.deviceID == device.id })
            }
            for credential in batch.credentials {
                #expect(try await store.credential(id: credential.id) == credential)
            }
            #expect(try await store.device(id: "https://id.voltpass.example/01/04012345123456/21/A-3") == nil)
            #expect(try await store.bmsKeys(device: "https://id.voltpass.example/01/04012345123456/21/A-3").isEmpty)
            #expect(try await store.ownershipChain(device: "https://id.voltpass.example/01/04012345123456/21/A-3").isEmpty)
            // An empty batch is nothing to do.
            try await store.saveDevices(DeviceBatch(devices: [], keys: [], credentials: []))
        }
    }

    func atomicBatch() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            let stored = Self.provisioned("B-1")
            try await store.saveDevices(stored)

            let fresh = Self.provisioned("B-2")
            // The stored device again, by id; twice in one batch; by operator, GTIN and serial under another id.
            await expectCode("device_exists") { try await store.saveDevices(Self.merged(fresh, Self.reissued(stored))) }
            await expectCode("device_exists") { try await store.saveDevices(Self.merged(fresh, Self.reissued(fresh))) }
            await expectCode("device_exists") {
                try await store.saveDevices(Self.merged(fresh, Self.provisioned("B-1", host: "other.voltpass.example")))
            }
            // A credential in use, stored or twice in the batch.
            var reusing = fresh
            reusing.credentials.append(stored.credentials[1])
            await expectCode("credential_exists") { try await store.saveDevices(reusing) }
            var doubled = fresh
            doubled.credentials.append(fresh.credentials[0])
            await expectCode("credential_exists") { try await store.saveDevices(doubled) }

            let device = fresh.devices[0].id
            #expect(try await store.device(id: device) == nil)
            #expect(try await store.bmsKeys(device: device).isEmpty)
            #expect(try await store.ownershipChain(device: device).isEmpty)
            #expect(try await store.statusFeed(device: device, limit: 10).isEmpty)
            for credential in fresh.credentials {
                #expect(try await store.credential(id: credential.id) == nil)
            }
            #expect(try await store.device(id: stored.devices[0].id) == stored.devices[0], "the stored device is unchanged")
            #expect(try await store.statusFeed(device: stored.devices[0].id, limit: 10) == stored.feed)

            try await store.saveDevices(fresh)
            #expect(try await store.device(id: device) == fresh.devices[0], "the refused batches left nothing in the way")
        }
    }

    func selectors() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            try await store.saveOperator(Self.packs)
            // "Z-200" sorts before "a-100" by code point.
            let a100 = Self.provisioned("a-100", model: "M1", lot: "L1")
            let z200 = Self.provisioned("Z-200", model: "M1", lot: "L2")
            let c300 = Self.provisioned("C-300", model: "M2", lot: nil)
            let foreign = Self.provisioned("a-100", model: "M1", lot: "L1", gtin: "04099999000000", by: Self.packs)
            try await store.saveDevices(Self.merged(a100, z200, c300, foreign))

            let cells = Self.cells.id
            #expect(try await store.devices(operator: cells, matching: .serial("a-100")) == a100.devices)
            #expect(try await store.devices(operator: cells, matching: .model("M1")) == z200.devices + a100.devices)
            #expect(try await store.devices(operator: cells, matching: .model("M2")) == c300.devices)
            #expect(try await store.devices(operator: cells, matching: .lot("L2")) == z200.devices)
            #expect(try await store.devices(operator: cells, matching: .lot("")).isEmpty)
            #expect(try await store.devices(operator: cells, matching: .serial("A-100")).isEmpty, "serials are case-sensitive")
            #expect(try await store.devices(operator: Self.packs.id, matching: .serial("a-100")) == foreign.devices)
            #expect(try await store.devices(operator: "did:web:voltpass.example:operators:nobody", matching: .model("M1")).isEmpty)
        }
    }

    func bmsKeys() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            let batch = Self.provisioned("K-1")
            let device = batch.devices[0].id
            try await store.saveDevices(batch)

            let second = BMSKeyRecord(
                deviceID: device, sequence: 2, publicKeyMultibase: "z6MkReplacedBMS", credentialID: "urn:x-voltpass:key-2",
                validFrom: Self.base.addingTimeInterval(600))
            let registration = Self.credential(second.credentialID, about: device)
            try await store.appendBMSKey(second, credential: registration)
            #expect(try await store.bmsKeys(device: device) == batch.keys + [second])
            #expect(try await store.credential(id: registration.id) == registration)

            for sequence in [0, 1, 2, 4] {
                var key = second
                key.sequence = sequence
                key.credentialID = "urn:x-voltpass:key-\(sequence)-again"
                await expectCode("bms_key_conflict") {
                    try await store.appendBMSKey(key, credential: Self.credential(key.credentialID, about: device))
                }
                #expect(try await store.credential(id: key.credentialID) == nil, "a refused key leaves no credential")
            }
            var third = second
            third.sequence = 3
            await expectCode("credential_exists") { try await store.appendBMSKey(third, credential: registration) }
            #expect(try await store.bmsKeys(device: device) == batch.keys + [second])
        }
    }

    func ownership() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            let batch = Self.provisioned("O-1")
            let device = batch.devices[0].id
            try await store.saveDevices(batch)

            let second = OwnershipRecord(
                deviceID: device, sequence: 2, owner: "did:web:oem.example", credentialID: "urn:x-voltpass:owner-2",
                statusIndex: 816, statusList: Self.cells.revocationList, transferredAt: Self.base.addingTimeInterval(3600))
            let handOff = Self.credential(second.credentialID, about: device)
            try await store.appendOwnership(second, credential: handOff)
            #expect(try await store.ownershipChain(device: device) == batch.ownership + [second])
            #expect(try await store.credential(id: handOff.id) == handOff)

            for sequence in [1, 2, 4] {
                var link = second
                link.sequence = sequence
                link.credentialID = "urn:x-voltpass:owner-\(sequence)-again"
                await expectCode("ownership_conflict") {
                    try await store.appendOwnership(link, credential: Self.credential(link.credentialID, about: device))
                }
                #expect(try await store.credential(id: link.credentialID) == nil, "a refused link leaves no credential")
            }
            var third = second
            third.sequence = 3
            await expectCode("credential_exists") { try await store.appendOwnership(third, credential: handOff) }
            #expect(try await store.ownershipChain(device: device) == batch.ownership + [second])
        }
    }

    func concurrentHandOffs() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            let batch = Self.provisioned("R-1")
            let device = batch.devices[0].id
            try await store.saveDevices(batch)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for buyer in 0..<6 {
                    group.addTask {
                        let link = OwnershipRecord(
                            deviceID: device, sequence: 2, owner: "did:web:buyer\(buyer).example",
                            credentialID: "urn:x-voltpass:sale-\(buyer)", statusIndex: 900 + buyer,
                            statusList: Self.cells.revocationList, transferredAt: Self.base.addingTimeInterval(60))
                        do {
                            try await store.appendOwnership(link, credential: Self.credential(link.credentialID, about: device))
                            return "saved"
                        } catch let error as any CodedError {
                            return error.code
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.sorted() == Array(repeating: "ownership_conflict", count: 5) + ["saved"])
            let chain = try await store.ownershipChain(device: device)
            #expect(chain.map(\.sequence) == [1, 2])
            let winner = try #require(chain.last)
            #expect(try await store.credential(id: winner.credentialID) != nil)
        }
    }

    func statusFeed() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            let first = Self.provisioned("F-1")
            let other = Self.provisioned("F-2")
            try await store.saveDevices(Self.merged(first, other))
            let device = first.devices[0].id
            func entry(_ kind: StatusFeedEntry.Kind, minutes: Double, _ detail: String) -> StatusFeedEntry {
                StatusFeedEntry(
                    deviceID: device, kind: kind, detail: Array(detail.utf8), recordedAt: Self.base.addingTimeInterval(minutes * 60))
            }
            let lifecycle = entry(.lifecycle, minutes: 10, #"{"state":"in_use"}"#)
            let warranty = entry(.warranty, minutes: 10, #"{"until":"2030-01-01"}"#)
            let firmware = entry(.firmware, minutes: 5, #"{"version":"2.1.0"}"#)
            let recall = entry(.recall, minutes: 20, #"{"recall":"R-1"}"#)
            let bmsKey = entry(.bmsKey, minutes: 20, #"{"sequence":2}"#)
            try await store.appendStatus([lifecycle, warranty, firmware])
            try await store.appendStatus([recall])
            try await store.appendStatus([bmsKey])
            try await store.appendStatus([])

            let newestFirst = [bmsKey, recall, warranty, lifecycle, firmware] + first.feed
            #expect(try await store.statusFeed(device: device, limit: 10) == newestFirst)
            #expect(try await store.statusFeed(device: device, limit: 2) == Array(newestFirst.prefix(2)))
            #expect(try await store.statusFeed(device: device, limit: 0).isEmpty)
            #expect(try await store.statusFeed(device: other.devices[0].id, limit: 10) == other.feed)
            await expectCode("invalid_value") { try await store.statusFeed(device: device, limit: -1) }
        }
    }

    func recalls() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            try await store.saveOperator(Self.packs)
            func recall(
                _ id: String, _ selector: DeviceSelector, minutes: Double, by owner: OperatorRecord = Self.cells
            ) -> RecallRecord {
                RecallRecord(
                    id: id, operatorID: owner.id, selector: selector, reason: "thermal runaway risk (\(id))", affected: 3,
                    issuedAt: Self.base.addingTimeInterval(minutes * 60))
            }
            let bySerial = recall("urn:x-voltpass:recall-1", .serial("a-100"), minutes: 0)
            let byModel = recall("urn:x-voltpass:recall-2", .model("M1"), minutes: 60)
            let byLot = recall("urn:x-voltpass:recall-3", .lot("L2"), minutes: 60)
            let foreign = recall("urn:x-voltpass:recall-4", .model("M1"), minutes: 90, by: Self.packs)
            for record in [byModel, foreign, bySerial, byLot] {
                try await store.saveRecall(record)
            }
            // Newest first; two of one instant by id, descending.
            #expect(try await store.recalls(operator: Self.cells.id) == [byLot, byModel, bySerial])
            #expect(try await store.recalls(operator: Self.packs.id) == [foreign])
            #expect(try await store.recalls(operator: "did:web:voltpass.example:operators:nobody").isEmpty)

            var changed = bySerial
            changed.reason = "another reason"
            await expectCode("recall_exists") { try await store.saveRecall(changed) }
            #expect(try await store.recalls(operator: Self.cells.id).last == bySerial, "the stored recall is unchanged")
        }
    }

    func statusBitsInChangeSet() async throws {
        try await withStore { store in
            let issuer = Self.cells.id
            let entries = 131_072
            try await store.statusLists.createStatusList(StatusListRecord(
                id: "bits", issuer: issuer, purpose: .suspension, entryCount: entries, allocationKey: nil,
                bits: [UInt8](repeating: 0, count: entries / 8), createdAt: Self.base, updatedAt: Self.base))
            func changes(_ bits: [(Int, Bool)]) -> ChangeSet {
                var changes = ChangeSet()
                changes.statusBits = bits.map { StatusBitChange(issuer: issuer, listID: "bits", index: $0.0, value: $0.1, at: Self.base) }
                return changes
            }
            // Entry 0 is the first byte's most significant bit (Bitstring Status List).
            let set = [0, 7, 8, 131_071] + (1_000..<1_040)
            try await store.commit(changes(set.map { ($0, true) }))
            let list = try #require(try await store.statusLists.statusList(issuer: issuer, id: "bits"))
            #expect(list.bits[0] == 0x81 && list.bits[1] == 0x80 && list.bits[entries / 8 - 1] == 0x01)
            #expect(list.bits[125] == 0xFF && list.bits[129] == 0xFF && list.bits[130] == 0, "entries 1,000 to 1,039")
            #expect(list.bits.reduce(0) { $0 + $1.nonzeroBitCount } == set.count)

            // Clearing one and setting one already set moves the revision; changing nothing does not.
            try await store.commit(changes([(7, false), (0, true)]))
            let cleared = try #require(try await store.statusLists.statusList(issuer: issuer, id: "bits"))
            #expect(cleared.bits[0] == 0x80)
            #expect(cleared.revision > list.revision)
            try await store.commit(changes([(7, false)]))
            #expect(try await store.statusLists.statusList(issuer: issuer, id: "bits")?.revision == cleared.revision)

            for outside in [-1, entries] {
                await expectCode("range_error") { try await store.commit(changes([(3, true), (outside, true)])) }
            }
            var unknown = changes([(3, true)])
            unknown.statusBits[0].listID = "nothing"
            await expectCode("status_list_not_found") { try await store.commit(unknown) }
            #expect(try await store.statusLists.statusList(issuer: issuer, id: "bits")?.bits == cleared.bits, "refused: unchanged")
        }
    }

    func statusListsSignedInChangeSet() async throws {
        try await withStore { store in
            let issuer = Self.cells.id
            let entries = 131_072
            try await store.statusLists.createStatusList(StatusListRecord(
                id: "signed", issuer: issuer, purpose: .revocation, entryCount: entries, allocationKey: nil,
                bits: [UInt8](repeating: 0, count: entries / 8), createdAt: Self.base, updatedAt: Self.base))
            var changes = ChangeSet()
            changes.statusBits = [StatusBitChange(issuer: issuer, listID: "signed", index: 9, value: true, at: Self.base)]
            changes.statusListSigner = { issuerDID, listID, bits in Array("\(issuerDID) \(listID) \(bits[1])".utf8) }
            try await store.commit(changes)
            let list = try #require(try await store.statusLists.statusList(issuer: issuer, id: "signed"))
            #expect(list.bits[1] == 0x40)
            let publication = try #require(try await store.statusLists.statusListPublication(issuer: issuer, listID: "signed"))
            if store.signsStatusListsInTransaction {
                #expect(publication.published == PublishedStatusList(revision: list.revision, document: Array("\(issuer) signed 64".utf8)))
                #expect(publication.currentRevision == list.revision)
            } else {
                #expect(publication.published == nil, "signed after the commit by the caller")
            }

            // A signer that fails refuses the change set: the bits stay as they were.
            changes.statusBits[0].index = 10
            changes.statusListSigner = { _, _, _ in throw StatusListError(.statusUnreachable, "the signer is offline") }
            if store.signsStatusListsInTransaction {
                await expectCode("status_unreachable") { try await store.commit(changes) }
                #expect(try await store.statusLists.statusList(issuer: issuer, id: "signed")?.bits == list.bits)
            }
        }
    }

    /// Checkpoint `sequence` of `owner` with bytes derived from the sequence (a signature of any length).
    static func checkpoint(_ sequence: UInt64, of owner: OperatorRecord = cells, signature: [UInt8]? = nil) -> AnchorCheckpoint {
        AnchorCheckpoint(
            operatorID: owner.id, sequence: sequence, root: Hash32(hashing: [UInt8(sequence), 1]), transaction: Hash32(hashing: [UInt8(sequence), 2]),
            slot: 9_007_199_254_740_000 + sequence, issuedAt: base.addingTimeInterval(Double(sequence) * 3_600),
            verificationMethod: owner.id + "#key-\(sequence)", signature: signature ?? [UInt8](repeating: UInt8(sequence), count: 64))
    }

    func checkpoints() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            try await store.saveOperator(Self.packs)
            #expect(try await store.latestCheckpoint(operator: Self.cells.id) == nil)
            let none = VerificationFreshness(trieRoot: nil, checkpointSequence: nil, publishedRevisions: [:])
            #expect(try await store.verificationFreshness(operator: Self.cells.id, statusListIssuer: Self.cells.id, statusLists: ["l-1"], serials: []) == none)
            await expectCode("checkpoint_conflict") { try await store.appendCheckpoint(Self.checkpoint(2)) }
            try await store.appendCheckpoint(Self.checkpoint(1))
            try await store.appendCheckpoint(Self.checkpoint(1, of: Self.packs, signature: [7]))
            try await store.appendCheckpoint(Self.checkpoint(2))
            // Every field reads back as written (the issue time rounded down to the second when made).
            #expect(try await store.latestCheckpoint(operator: Self.cells.id) == Self.checkpoint(2))
            #expect(try await store.latestCheckpoint(operator: Self.packs.id) == Self.checkpoint(1, of: Self.packs, signature: [7]))
            // A number taken, or one that skips, is refused and changes nothing.
            var other = Self.checkpoint(2)
            other.root = Hash32(hashing: [9])
            await expectCode("checkpoint_conflict") { try await store.appendCheckpoint(other) }
            await expectCode("checkpoint_conflict") { try await store.appendCheckpoint(Self.checkpoint(1)) }
            await expectCode("checkpoint_conflict") { try await store.appendCheckpoint(Self.checkpoint(4)) }
            #expect(try await store.latestCheckpoint(operator: Self.cells.id) == Self.checkpoint(2))
            try await store.appendCheckpoint(Self.checkpoint(3))
            #expect(try await store.latestCheckpoint(operator: Self.cells.id)?.sequence == 3)
            let fresh = try await store.verificationFreshness(operator: Self.cells.id, statusListIssuer: Self.cells.id, statusLists: [], serials: ["none"])
            #expect(fresh.checkpointSequence == 3)
            #expect(fresh.serialMatches == ["none": []])
            // Several serials at once, each with its devices (at most two), in id order.
            for batch in [Self.provisioned("F-1"), Self.provisioned("F-1", gtin: "04012345000009"), Self.provisioned("F-2")] {
                try await store.saveDevices(batch)
            }
            let matched = try await store.verificationFreshness(
                operator: Self.cells.id, statusListIssuer: Self.cells.id, statusLists: [], serials: ["F-2", "F-1", "F-3"])
            #expect(matched.serialMatches == [
                "F-1": ["https://id.voltpass.example/01/04012345000009/21/F-1", "https://id.voltpass.example/01/04012345123456/21/F-1"],
                "F-2": ["https://id.voltpass.example/01/04012345123456/21/F-2"], "F-3": [],
            ])
        }
    }

    func concurrentCheckpoints() async throws {
        try await withStore { store in
            try await store.saveOperator(Self.cells)
            let results = await withTaskGroup(of: String.self) { group in
                for attempt in 0..<8 {
                    group.addTask {
                        var candidate = Self.checkpoint(1)
                        candidate.signature = [UInt8(attempt)]
                        do {
                            try await store.appendCheckpoint(candidate)
                            return "stored"
                        } catch let error as any CodedError {
                            return error.code
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 == "stored" }.count == 1, "\(results)")
            #expect(results.filter { $0 == "checkpoint_conflict" }.count == 7, "\(results)")
            #expect(try await store.latestCheckpoint(operator: Self.cells.id)?.sequence == 1)
        }
    }
}

@Suite("SQLite passport store conformance")
struct SQLitePassportStoreTests {
    @Test(arguments: PassportStoreConformance.checks)
    func conforms(_ check: PassportStoreConformance.Check) async throws {
        try await SQLiteTestDatabase.withFresh { try await check.run(PassportStoreConformance(database: $0)) }
    }
}

@Suite(
    "PostgreSQL passport store conformance",
    .enabled(if: PostgresTestDatabase.isEnabled, Comment(rawValue: PostgresTestDatabase.skipMessage)))
struct PostgresPassportStoreTests {
    @Test(arguments: PassportStoreConformance.checks)
    func conforms(_ check: PassportStoreConformance.Check) async throws {
        try await PostgresTestDatabase.withFresh { try await check.run(PassportStoreConformance(database: $0)) }
    }
}
