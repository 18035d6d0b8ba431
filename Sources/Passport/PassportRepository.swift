import Credentials
import Foundation
import Trie

/// An economic operator registered on this instance: its did:web DID, GS1 identity and the status
/// lists its credentials use. Its trie is the one named by its DID.
public struct OperatorRecord: Sendable, Equatable {
    /// The operator's DID, `did:web:<host>:operators:<name>`.
    public var id: String
    /// The last segment of the DID's path, letters, digits, `-` and `_`.
    public var name: String
    /// The operator's GS1 Global Location Number (13 digits), if it has one.
    public var gln: String?
    /// The GS1 company prefixes the operator owns (6 to 12 digits each): it provisions only GTINs under
    /// them. The first is the one its EPC URNs use.
    public var companyPrefixes: [String]
    /// The id of the suspension list its Device credentials use (a recall suspends them).
    public var suspensionList: String
    /// The id of the revocation list its Ownership credentials use (a hand-off revokes the previous one).
    public var revocationList: String
    public var createdAt: Date

    /// The company prefix of its EPC URNs, if it registered any.
    public var companyPrefix: String? { companyPrefixes.first }

    /// Whether `gtin` (14 digits: an indicator digit, then company prefix, item reference and check
    /// digit) lies under one of the operator's company prefixes.
    public func owns(gtin: String) -> Bool {
        let body = gtin.dropFirst()
        return gtin.count == 14 && companyPrefixes.contains { body.hasPrefix($0) }
    }

    public init(
        id: String, name: String, gln: String? = nil, companyPrefixes: [String] = [], suspensionList: String,
        revocationList: String, createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.gln = gln
        self.companyPrefixes = companyPrefixes
        self.suspensionList = suspensionList
        self.revocationList = revocationList
        self.createdAt = createdAt
    }
}

/// A provisioned battery (cell, module or pack): identity, key and the ids of its credentials.
public struct DeviceRecord: Sendable, Equatable {
    /// The battery id: its canonical GS1 Digital Link URI `https://id.gs1.org/01/<gtin>/21/<serial>`, also its trie key.
    public var id: String
    public var operatorID: String
    public var gtin: String
    public var serial: String
    public var lot: String?
    public var model: String
    /// The did:key of the key its secure element generated.
    public var did: String
    public var deviceCredentialID: String
    public var bomCredentialID: String
    public var commissioningCredentialID: String
    /// The Device credential's suspension entry (a recall sets it).
    public var deviceStatusIndex: Int
    public var deviceStatusList: String
    public var createdAt: Date

    public init(
        id: String, operatorID: String, gtin: String, serial: String, lot: String?, model: String, did: String,
        deviceCredentialID: String, bomCredentialID: String, commissioningCredentialID: String, deviceStatusIndex: Int,
        deviceStatusList: String, createdAt: Date
    ) {
        self.id = id
        self.operatorID = operatorID
        self.gtin = gtin
        self.serial = serial
        self.lot = lot
        self.model = model
        self.did = did
        self.deviceCredentialID = deviceCredentialID
        self.bomCredentialID = bomCredentialID
        self.commissioningCredentialID = commissioningCredentialID
        self.deviceStatusIndex = deviceStatusIndex
        self.deviceStatusList = deviceStatusList
        self.createdAt = createdAt
    }
}

/// One key of a battery's BMS: the key provisioned at end-of-line is sequence 1; each replaced BMS
/// module adds the next, registered by the operator in a signed credential.
public struct BMSKeyRecord: Sendable, Equatable {
    public var deviceID: String
    public var sequence: Int
    /// The key as Multikey (`z…`).
    public var publicKeyMultibase: String
    /// The operator-signed credential registering the key (the Device credential for sequence 1).
    public var credentialID: String
    public var validFrom: Date

    public init(deviceID: String, sequence: Int, publicKeyMultibase: String, credentialID: String, validFrom: Date) {
        self.deviceID = deviceID
        self.sequence = sequence
        self.publicKeyMultibase = publicKeyMultibase
        self.credentialID = credentialID
        self.validFrom = validFrom
    }
}

/// One link of a battery's ownership chain: the Ownership credential to `owner`.
public struct OwnershipRecord: Sendable, Equatable {
    public var deviceID: String
    /// 1 for the first owner, then one more per hand-off.
    public var sequence: Int
    /// The owner's DID.
    public var owner: String
    public var credentialID: String
    /// The credential's revocation entry, set when the next hand-off supersedes it.
    public var statusIndex: Int
    public var statusList: String
    public var transferredAt: Date

    public init(
        deviceID: String, sequence: Int, owner: String, credentialID: String, statusIndex: Int, statusList: String,
        transferredAt: Date
    ) {
        self.deviceID = deviceID
        self.sequence = sequence
        self.owner = owner
        self.credentialID = credentialID
        self.statusIndex = statusIndex
        self.statusList = statusList
        self.transferredAt = transferredAt
    }
}

/// One entry of a battery's status feed: a lifecycle, warranty, recall, firmware, ownership or BMS
/// key change, with its details as JSON.
public struct StatusFeedEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case provisioned, lifecycle, warranty, recall, firmware, ownership, bmsKey
    }

    public var deviceID: String
    public var kind: Kind
    /// UTF-8 JSON object with what changed.
    public var detail: [UInt8]
    public var recordedAt: Date

    public init(deviceID: String, kind: Kind, detail: [UInt8], recordedAt: Date) {
        self.deviceID = deviceID
        self.kind = kind
        self.detail = detail
        self.recordedAt = recordedAt
    }
}

/// Which of an operator's batteries something applies to.
public enum DeviceSelector: Sendable, Hashable {
    case serial(String)
    case model(String)
    case lot(String)

    /// `serial`, `model` or `lot`.
    public var field: String {
        switch self {
        case .serial: "serial"
        case .model: "model"
        case .lot: "lot"
        }
    }

    public var value: String {
        switch self {
        case .serial(let value), .model(let value), .lot(let value): value
        }
    }
}

/// A recall an operator issued: by serial, model or lot, with the number of batteries it reached.
public struct RecallRecord: Sendable, Equatable {
    public var id: String
    public var operatorID: String
    public var selector: DeviceSelector
    public var reason: String
    public var affected: Int
    public var issuedAt: Date

    public init(id: String, operatorID: String, selector: DeviceSelector, reason: String, affected: Int, issuedAt: Date) {
        self.id = id
        self.operatorID = operatorID
        self.selector = selector
        self.reason = reason
        self.affected = affected
        self.issuedAt = issuedAt
    }
}

/// What provisioning a batch of devices stores: the devices, their first BMS keys, their first
/// owners, the credentials those name (EPCIS event credentials excepted, which the event index
/// stores) and their feed entries.
public struct DeviceBatch: Sendable, Equatable {
    public var devices: [DeviceRecord]
    public var keys: [BMSKeyRecord]
    public var ownership: [OwnershipRecord]
    public var credentials: [StoredCredential]
    public var feed: [StatusFeedEntry]

    public init(
        devices: [DeviceRecord], keys: [BMSKeyRecord], ownership: [OwnershipRecord] = [], credentials: [StoredCredential],
        feed: [StatusFeedEntry] = []
    ) {
        self.devices = devices
        self.keys = keys
        self.ownership = ownership
        self.credentials = credentials
        self.feed = feed
    }
}

/// Registered operators. `saveOperator` refuses an id or name in use with `operator_exists`.
public protocol OperatorRepository: Sendable {
    func saveOperator(_ record: OperatorRecord) async throws
    func operatorRecord(id: String) async throws -> OperatorRecord?
    /// All operators, by id.
    func operators() async throws -> [OperatorRecord]
}

/// Provisioned devices and their BMS key history.
public protocol DeviceRepository: Sendable {
    /// Saves a provisioned batch, all or nothing: an id (or operator, GTIN and serial) in use is
    /// `device_exists`, a credential id in use `credential_exists`.
    func saveDevices(_ batch: DeviceBatch) async throws
    func device(id: String) async throws -> DeviceRecord?
    /// Which of `ids` are provisioned already, in one query.
    func provisionedDeviceIDs(_ ids: [String]) async throws -> Set<String>
    /// The operator's devices the selector matches, by id.
    func devices(operator operatorID: String, matching selector: DeviceSelector) async throws -> [DeviceRecord]
    /// Devices of any operator and GTIN with this serial, by id, at most `limit`.
    func devices(serial: String, limit: Int) async throws -> [DeviceRecord]
    /// Adds a BMS key with its credential; its sequence must be the next one (`bms_key_conflict` otherwise).
    func appendBMSKey(_ key: BMSKeyRecord, credential: StoredCredential) async throws
    /// A device's BMS keys, oldest first.
    func bmsKeys(device deviceID: String) async throws -> [BMSKeyRecord]
}

/// The ownership chain of each device.
public protocol OwnershipRepository: Sendable {
    /// Adds the next link with its credential; its sequence must be the next one (`ownership_conflict`
    /// otherwise, e.g. when another hand-off won the race).
    func appendOwnership(_ record: OwnershipRecord, credential: StoredCredential) async throws
    /// A device's ownership chain, first owner first.
    func ownershipChain(device deviceID: String) async throws -> [OwnershipRecord]
}

/// The status feed: what changed for each battery, and the recalls.
public protocol StatusFeedRepository: Sendable {
    func appendStatus(_ entries: [StatusFeedEntry]) async throws
    /// A device's feed, newest first (then by insertion, newest first), at most `limit` (`invalid_value` when negative).
    func statusFeed(device deviceID: String, limit: Int) async throws -> [StatusFeedEntry]
    /// Saves a recall; an id in use is `recall_exists`.
    func saveRecall(_ recall: RecallRecord) async throws
    /// The operator's recalls, newest first.
    func recalls(operator operatorID: String) async throws -> [RecallRecord]
}

/// The operators' signed anchor checkpoints (see ``AnchorCheckpoint``), numbered per operator.
public protocol CheckpointRepository: Sendable {
    /// Stores the operator's next checkpoint. Its sequence must follow the newest stored one (1 for
    /// the first): anything else, e.g. when another instance stored that number first, is
    /// `checkpoint_conflict` and stores nothing.
    func appendCheckpoint(_ checkpoint: AnchorCheckpoint) async throws
    /// The operator's checkpoint with the highest sequence, nil before its first.
    func latestCheckpoint(operator operatorID: String) async throws -> AnchorCheckpoint?
}

/// What a verification of a remembered bundle must read fresh about its operator.
public struct VerificationFreshness: Sendable, Equatable {
    /// The operator's trie root now, nil before its first commit.
    public var trieRoot: Hash32?
    /// The sequence of its newest checkpoint, nil before its first.
    public var checkpointSequence: Int?
    /// The revision of each named status list whose signed copy is current (a list being published
    /// again is left out).
    public var publishedRevisions: [String: Int]
    /// For each serial asked about: the ids of the devices with that serial (at most two, enough to
    /// tell one from several), in id order.
    public var serialMatches: [String: [String]]

    public init(trieRoot: Hash32?, checkpointSequence: Int?, publishedRevisions: [String: Int], serialMatches: [String: [String]] = [:]) {
        self.trieRoot = trieRoot
        self.checkpointSequence = checkpointSequence
        self.publishedRevisions = publishedRevisions
        self.serialMatches = serialMatches
    }
}

/// Reads what changes without moving a battery's bundle, all at once (one round trip on PostgreSQL).
public protocol FreshnessRepository: Sendable {
    /// The operator's trie root, newest checkpoint and the current revisions of `statusLists` (of
    /// `statusListIssuer`), and the devices with each of `serials`.
    func verificationFreshness(operator operatorID: String, statusListIssuer: String, statusLists: [String], serials: [String]) async throws
        -> VerificationFreshness
}

/// Everything the passport domain keeps.
public typealias PassportRepository = OperatorRepository & DeviceRepository & OwnershipRepository & StatusFeedRepository
    & CheckpointRepository & FreshnessRepository
