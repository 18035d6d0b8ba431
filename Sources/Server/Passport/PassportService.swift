import Credentials
import EPCIS
import Encoding
import Foundation
import Identity
import Ledger
import Passport
import Storage
import Trie

/// One battery provisioned at end-of-line: its identifiers, credentials and plate.
public struct ProvisionedDevice: Sendable {
    public let device: DeviceRecord
    public let ownershipCredentialID: String?
    /// The Digital Link URL with the signed plate token, for the QR code and NFC tag.
    public let plateURL: String

    public var json: JSONObject {
        [
            "batteryId": .string(device.id),
            "did": .string(device.did),
            "gtin": .string(device.gtin),
            "serial": .string(device.serial),
            "credentials": .object([
                "device": .string(device.deviceCredentialID),
                "bom": .string(device.bomCredentialID),
                "ownership": ownershipCredentialID.map(JSONValue.string) ?? .null,
                "commissioning": .string(device.commissioningCredentialID),
            ]),
            "plateUrl": .string(plateURL),
        ]
    }
}

/// The battery passport service: provisioning at end-of-line, ownership hand-offs, lifecycle and
/// status changes, anchoring, and the bundles verification runs on. Credentials are signed with the
/// operator's key; each change of a battery updates its leaf in the operator's trie, which the next
/// anchor commits to the ledger.
public struct PassportService: Sendable {
    let store: any VoltpassStore & PassportRepository
    let operators: OperatorDirectory
    public let tries: OperatorTries
    public let ledger: any Ledger
    /// Where plates point: `http(s)://<publicHost>`.
    let resolverBase: String
    /// Single-use challenges for field diagnostics.
    let diagnostics: ChallengeStore
    /// Proofs and status lists already verified, shared by every verification of this service.
    let verificationCache: PassportVerificationCache
    /// Credentials and devices read once (they never change once stored).
    let records = ImmutableRecords()
    let now: @Sendable () -> Date

    // MARK: - Provisioning

    /// Provisions `specs` for the operator `operatorID`: Device, BOM and (with an owner) Ownership
    /// credentials, one EPCIS commissioning event for the batch, leaves in the operator's trie and
    /// signed plate tokens. All devices are checked first; nothing is stored when one is refused.
    /// `origin`, for a repurposed battery, links each new leaf to the original one.
    public func provision(_ specs: [DeviceSpec], operator operatorID: String, origin: BatteryLeaf.Origin? = nil) async throws
        -> [ProvisionedDevice]
    {
        guard (1...10_000).contains(specs.count) else {
            throw PassportError("invalid_device", "a batch has 1 to 10,000 devices, not \(specs.count)")
        }
        let member = try await operators.member(operatorID)
        var seen = Set<String>()
        for spec in specs where !seen.insert(spec.gtin + "/" + spec.serial).inserted {
            throw PassportError("device_exists", "the batch lists \(spec.gtin) serial \(spec.serial) twice")
        }
        let batteryIDs = specs.map(Self.batteryID)
        // Refused before anything is signed or allocated (saving the batch checks again, atomically).
        for id in batteryIDs {
            guard try await store.device(id: id) == nil else { throw PassportError("device_exists", "\(id) is provisioned already") }
        }
        let (methodID, signer) = try await member.keys.currentSigner()
        let issuer = try CredentialIssuer(signer: signer, verificationMethod: methodID, now: now)
        let lists = try await member.statusLists.service()
        let suspensions = try await lists.allocateEntries(listID: member.record.suspensionList, count: specs.count)
        let ownedCount = specs.filter { $0.owner != nil }.count
        var revocations = ownedCount == 0 ? [] : try await lists.allocateEntries(listID: member.record.revocationList, count: ownedCount)[...]
        let date = now()

        let commissioning = try await EPCISCaptureService(store: store, operatorKeys: member.keys, statusLists: member.events)
            .capture(PassportCredentials.commissioningDocument(batteryIDs: batteryIDs, at: date, gln: member.record.gln))
        let commissioningID = commissioning[0].record.credentialID

        var batch = DeviceBatch(devices: [], keys: [], credentials: [])
        var provisioned: [ProvisionedDevice] = []
        var mutations: [TrieMutation] = []
        for (index, spec) in specs.enumerated() {
            let batteryID = batteryIDs[index]
            let deviceDID = DIDKey.did(for: spec.publicKey)
            let device = try await issuer.issue(PassportCredentials.device(
                spec, id: Self.newCredentialID(), batteryID: batteryID, deviceDID: deviceDID, issuer: member.record.id,
                status: suspensions[index].json, validFrom: date))
            let bom = try await issuer.issue(PassportCredentials.bom(
                batteryID: batteryID, deviceDID: deviceDID, bomHash: spec.bomHash, components: spec.components,
                id: Self.newCredentialID(), issuer: member.record.id, validFrom: date))
            var ownership: Credential?
            if let owner = spec.owner {
                let entry = revocations.removeFirst()
                let credential = try await issuer.issue(PassportCredentials.ownership(
                    batteryID: batteryID, deviceDID: deviceDID, owner: owner, sequence: 1, previous: nil, id: Self.newCredentialID(),
                    issuer: member.record.id, status: entry.json, validFrom: date))
                ownership = credential
                batch.ownership.append(OwnershipRecord(
                    deviceID: batteryID, sequence: 1, owner: owner, credentialID: credential.id!, statusIndex: entry.index,
                    statusList: member.record.revocationList, transferredAt: date))
            }
            let record = DeviceRecord(
                id: batteryID, operatorID: member.record.id, gtin: spec.gtin, serial: spec.serial, lot: spec.lot, model: spec.model,
                did: deviceDID, deviceCredentialID: device.id!, bomCredentialID: bom.id!, commissioningCredentialID: commissioningID,
                deviceStatusIndex: suspensions[index].index, deviceStatusList: member.record.suspensionList, createdAt: date)
            batch.devices.append(record)
            batch.keys.append(BMSKeyRecord(
                deviceID: batteryID, sequence: 1, publicKeyMultibase: spec.publicKey.multikey, credentialID: device.id!, validFrom: date))
            for credential in [device, bom] + (ownership.map { [$0] } ?? []) {
                batch.credentials.append(Self.stored(credential, subject: deviceDID, at: date))
            }
            batch.feed.append(StatusFeedEntry(
                deviceID: batteryID, kind: .provisioned,
                detail: JSONValue.object(["model": .string(spec.model), "firmware": .string(spec.firmwareVersion)]).serialized(),
                recordedAt: date))
            let leaf = BatteryLeaf(
                batteryID: batteryID, bmsPublicKey: spec.publicKey.rawRepresentation,
                credentials: .init(device: device.id!, bom: bom.id!, ownership: ownership?.id),
                warranty: spec.warrantyMonths.map { Self.warranty(from: spec.manufacturingDate, months: $0) },
                firmware: .init(version: spec.firmwareVersion, hash: spec.firmwareHash), origin: origin)
            try leaf.validate()
            mutations.append(.insert(key: leaf.key, value: leaf.cbor()))
            let token = try await PlateToken.sign(batteryID: batteryID, operatorID: member.record.id, issuedAt: date, signer: signer)
            provisioned.append(ProvisionedDevice(
                device: record, ownershipCredentialID: ownership?.id,
                plateURL: PlateToken.url(resolverBase: resolverBase, digitalLinkPath: spec.digitalLinkPath, token: token)))
        }
        try await store.saveDevices(batch)
        try await tries.apply(mutations, operator: member.record.id)
        return provisioned
    }

    /// Registers an economic operator (see ``OperatorDirectory/register(name:gln:companyPrefix:)``).
    public func registerOperator(name: String, gln: String? = nil, companyPrefix: String? = nil) async throws -> OperatorRecord {
        try await operators.register(name: name, gln: gln, companyPrefix: companyPrefix)
    }

    // MARK: - Ownership

    /// Hands the battery to `newOwner`: a new Ownership credential that names the one it supersedes,
    /// whose revocation entry is then set. Returns the new credential.
    func transferOwnership(of batteryID: String, to newOwner: String) async throws -> Credential {
        guard (try? DIDURL(newOwner))?.isBareDID == true else {
            throw PassportError("invalid_owner", "the new owner must be a DID, not '\(newOwner)'")
        }
        let device = try await device(batteryID)
        let member = try await operators.member(device.operatorID)
        let chain = try await store.ownershipChain(device: batteryID)
        let lists = try await member.statusLists.service()
        let entry = try await lists.allocateEntry(listID: member.record.revocationList)
        let (methodID, signer) = try await member.keys.currentSigner()
        let issuer = try CredentialIssuer(signer: signer, verificationMethod: methodID, now: now)
        let date = now()
        let credential = try await issuer.issue(PassportCredentials.ownership(
            batteryID: batteryID, deviceDID: device.did, owner: newOwner, sequence: chain.count + 1, previous: chain.last?.credentialID,
            id: Self.newCredentialID(), issuer: member.record.id, status: entry.json, validFrom: date))
        try await store.appendOwnership(
            OwnershipRecord(
                deviceID: batteryID, sequence: chain.count + 1, owner: newOwner, credentialID: credential.id!, statusIndex: entry.index,
                statusList: member.record.revocationList, transferredAt: date),
            credential: Self.stored(credential, subject: device.did, at: date))
        if let previous = chain.last {
            try await lists.update(listID: previous.statusList, index: previous.statusIndex, .revoke)
        }
        try await change(batteryID, by: .operator(member.record.id), .setOwnership(credentialID: credential.id!), feed: .ownership, [
            "owner": .string(newOwner), "credential": .string(credential.id!),
        ])
        return credential
    }

    // MARK: - Lifecycle and status

    /// Applies a lifecycle transition to the battery's leaf (the lifecycle rules decide whether the
    /// actor may) and records it in the status feed.
    func change(
        _ batteryID: String, by actor: PassportActor, _ transition: LeafTransition, feed kind: StatusFeedEntry.Kind,
        _ detail: JSONObject = [:]
    ) async throws {
        let device = try await device(batteryID)
        let leaf = try await leaf(of: device)
        let next = try Lifecycle(operatorID: device.operatorID).apply(transition, to: leaf, by: actor)
        try await tries.apply([.update(key: next.key, value: next.cbor())], operator: device.operatorID)
        var detail = detail
        detail["transition"] = .string(transition.kind.rawValue)
        try await store.appendStatus([
            StatusFeedEntry(deviceID: batteryID, kind: kind, detail: JSONValue.object(detail).serialized(), recordedAt: now())
        ])
    }

    /// Recalls the operator's batteries the selector matches: each leaf shows the recall and each
    /// Device credential is suspended. Returns the recall with the number of batteries it reached.
    func recall(operator operatorID: String, _ selector: DeviceSelector, reason: String) async throws -> RecallRecord {
        guard (1...512).contains(reason.utf8.count) else { throw PassportError("invalid_recall", "a recall needs a reason of 1 to 512 bytes") }
        let member = try await operators.member(operatorID)
        let devices = try await store.devices(operator: operatorID, matching: selector)
        let date = now()
        let recall = RecallRecord(
            id: "recall-" + UUID().uuidString.lowercased(), operatorID: operatorID, selector: selector, reason: reason,
            affected: devices.count, issuedAt: date)
        try await store.saveRecall(recall)
        let lists = try await member.statusLists.service()
        var mutations: [TrieMutation] = []
        var feed: [StatusFeedEntry] = []
        let lifecycle = Lifecycle(operatorID: operatorID)
        for device in devices {
            try await lists.update(listID: device.deviceStatusList, index: device.deviceStatusIndex, .suspend)
            let leaf = try await leaf(of: device)
            guard !leaf.isRecalled, leaf.status == .virgin || leaf.status == .active else { continue }
            let next = try lifecycle.apply(
                .recall(id: recall.id, sinceMilliseconds: Int64(date.timeIntervalSince1970 * 1000)), to: leaf, by: .operator(operatorID))
            mutations.append(.update(key: next.key, value: next.cbor()))
            feed.append(StatusFeedEntry(
                deviceID: device.id, kind: .recall,
                detail: JSONValue.object(["recall": .string(recall.id), "reason": .string(reason)]).serialized(), recordedAt: date))
        }
        if !mutations.isEmpty { try await tries.apply(mutations, operator: operatorID) }
        if !feed.isEmpty { try await store.appendStatus(feed) }
        return recall
    }

    /// Anchors the operator's current trie root on the ledger (nothing when it is already anchored).
    @discardableResult
    public func anchor(operator operatorID: String) async throws -> AnchorRecord {
        let root = try await tries.latest(operator: operatorID).root
        if let current = try await ledger.currentAnchor(operator: operatorID), current.root == root { return current }
        try await ledger.anchor(operator: operatorID, root: root)
        guard let anchored = try await ledger.currentAnchor(operator: operatorID) else {
            throw PassportError("anchor_failed", "the ledger did not record the anchor of \(operatorID)")
        }
        return anchored
    }

    /// Anchors every operator whose trie moved since its last anchor; returns how many were anchored.
    func anchorAll() async throws -> Int {
        var count = 0
        for record in try await store.operators() {
            guard let latest = try? await tries.latest(operator: record.id) else { continue }
            if try await ledger.currentAnchor(operator: record.id)?.root != latest.root {
                try await anchor(operator: record.id)
                count += 1
            }
        }
        return count
    }

    // MARK: - Reading state

    /// The device with this battery id; `device_not_found` when none is provisioned.
    func device(_ batteryID: String) async throws -> DeviceRecord {
        guard let device = try await store.device(id: batteryID) else { throw PassportError.deviceNotFound(batteryID) }
        return device
    }

    /// The battery's current leaf in its operator's trie.
    func leaf(of device: DeviceRecord) async throws -> BatteryLeaf {
        guard let bytes = try await tries.get(Array(device.id.utf8), operator: device.operatorID) else {
            throw PassportError("leaf_not_found", "the trie of \(device.operatorID) holds no leaf for \(device.id)")
        }
        return try BatteryLeaf(cbor: bytes)
    }

    /// The key of the battery's current BMS module.
    func currentBMSKey(of device: DeviceRecord) async throws -> PublicKey {
        guard let record = try await store.bmsKeys(device: device.id).last, let key = try? PublicKey(multikey: record.publicKeyMultibase) else {
            throw PassportError("bms_key_missing", "\(device.id) has no registered BMS key")
        }
        return key
    }

    // MARK: - Helpers

    /// The battery id: the canonical GS1 Digital Link URI of GTIN and serial.
    static func batteryID(_ spec: DeviceSpec) -> String {
        GS1DigitalLink.canonicalStem + spec.digitalLinkPath
    }

    static func newCredentialID() -> String { "urn:uuid:" + UUID().uuidString.lowercased() }

    static func stored(_ credential: Credential, subject: String, at date: Date) -> StoredCredential {
        StoredCredential(
            id: credential.id!, issuer: credential.issuerID ?? "", types: credential.types, subject: subject, issuedAt: date,
            document: JSONValue.object(credential.json).serialized())
    }

    /// A warranty of `months` from the day of manufacture.
    static func warranty(from day: String, months: Int) -> BatteryLeaf.Warranty {
        let start = XSDDateTime.parse(day + "T00:00:00Z") ?? Date()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let end = calendar.date(byAdding: .month, value: months, to: start) ?? start
        return BatteryLeaf.Warranty(start: start, end: end)
    }
}
