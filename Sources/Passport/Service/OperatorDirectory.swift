import Credentials
import EPCIS
import Foundation
import Identity

/// The economic operators registered on this instance. Each has a did:web DID served by the
/// instance (`did:web:<host>:operators:<name>`, document at `/operators/<name>/did.json`), its own
/// key (a key file in the data directory or a key pair in the HSM, rotated like the instance's), its own status lists
/// (published at `/operators/<name>/status-lists/<id>`) and its own trie.
public actor OperatorDirectory {
    /// One registered operator and the services that act for it.
    public struct Member: Sendable {
        public let record: OperatorRecord
        public let keys: OperatorKeys
        public let statusLists: OperatorStatusLists
        public let events: EventStatusLists
    }

    private let store: any PassportStore
    private let statusListRepository: any StatusListRepository
    private let dataDirectory: URL
    private let keyCustody: KeyCustody
    private let services: [DIDService]
    public nonisolated let publicHost: String
    private let now: @Sendable () -> Date
    private var members: [String: Member] = [:]

    /// Operators' new keys go where `keyCustody` says; their DID documents list `services` besides
    /// their keys (the Cardano payment address that anchors their tries, when the ledger is on Cardano).
    public init(
        store: any PassportStore, statusListRepository: any StatusListRepository,
        dataDirectory: URL, keyCustody: KeyCustody = .keyFiles, publicHost: String, services: [DIDService] = [],
        now: @escaping @Sendable () -> Date
    ) {
        self.now = now
        self.services = services
        self.store = store
        self.statusListRepository = statusListRepository
        self.dataDirectory = dataDirectory
        self.keyCustody = keyCustody
        self.publicHost = publicHost
    }

    /// The DID an operator named `name` gets on this instance.
    public func did(name: String) throws -> String {
        guard let url = URL(string: "https://\(publicHost)/operators/\(name)/did.json") else {
            throw PassportError("invalid_operator", "'\(name)' cannot be part of a URL")
        }
        return try DIDWeb.did(forDocumentURL: url)
    }

    /// Registers an operator: its key, DID document, suspension and revocation lists, and record.
    /// A name in use is `operator_exists`; names are 1 to 64 letters, digits, `-` and `_`. The company
    /// prefixes (6 to 12 digits each, at most 32) are the operator's own: one that overlaps a prefix of
    /// another operator (equal, or one the start of the other) is `company_prefix_taken`.
    public func register(name: String, gln: String?, companyPrefixes: [String]) async throws -> OperatorRecord {
        guard (1...64).contains(name.utf8.count), name.utf8.allSatisfy({ Self.nameBytes.contains($0) }) else {
            throw PassportError("invalid_operator", "an operator name has 1 to 64 letters, digits, '-' and '_'")
        }
        if let gln, !(gln.count == 13 && gln.allSatisfy(\.isNumber) && GS1CheckDigit.isValid(gln)) {
            throw PassportError("invalid_operator", "the GLN must have 13 digits with a valid check digit")
        }
        let did = try did(name: name)
        if try await store.operatorRecord(id: did) != nil {
            throw PassportError("operator_exists", "an operator named '\(name)' is registered")
        }
        guard companyPrefixes.count <= 32,
            companyPrefixes.allSatisfy({ (6...12).contains($0.utf8.count) && $0.utf8.allSatisfy { (48...57).contains($0) } })
        else {
            throw PassportError("invalid_operator", "an operator has at most 32 GS1 company prefixes of 6 to 12 digits")
        }
        // Checked by this instance's directory one registration at a time; two instances registering
        // overlapping prefixes in the same instant could both pass.
        for record in try await store.operators() {
            for taken in record.companyPrefixes {
                if let clash = companyPrefixes.first(where: { $0.hasPrefix(taken) || taken.hasPrefix($0) }) {
                    throw PassportError(
                        "company_prefix_taken", "the company prefix \(clash) overlaps \(taken), which belongs to '\(record.name)'")
                }
            }
        }
        let keys = OperatorKeys(did: did, store: store, dataDirectory: dataDirectory, custody: keyCustody, services: services, now: now)
        _ = try await keys.bootstrap()
        let record = OperatorRecord(
            id: did, name: name, gln: gln, companyPrefixes: companyPrefixes, suspensionList: "\(name)-devices-1",
            revocationList: "\(name)-ownership-1", createdAt: now())
        let lists = statusLists(name: name, keys: keys)
        let service = try await lists.service()
        for (id, purpose) in [(record.suspensionList, StatusPurpose.suspension), (record.revocationList, .revocation)] {
            do {
                _ = try await service.createList(id: id, purpose: purpose)
            } catch let error as StatusListError where error.kind == .statusListExists {
                // Left by a registration that failed after creating it.
            }
        }
        try await store.saveOperator(record)
        return record
    }

    /// The operator with DID `id` and the services acting for it; `operator_not_found` when unknown.
    /// Rebuilds every registered operator's DID document from its keys and the configured services
    /// (run at start: a deployment that moved to or from Cardano lists its payment address or stops).
    public func refreshDocuments() async throws {
        for record in try await store.operators() { _ = try await member(record.id).keys.bootstrap() }
    }

    public func member(_ id: String) async throws -> Member {
        if let member = members[id] { return member }
        guard let record = try await store.operatorRecord(id: id) else { throw PassportError.operatorNotFound(id) }
        let keys = OperatorKeys(did: record.id, store: store, dataDirectory: dataDirectory, custody: keyCustody, services: services, now: now)
        let lists = statusLists(name: record.name, keys: keys)
        let member = Member(record: record, keys: keys, statusLists: lists, events: EventStatusLists(lists: lists, prefix: "\(record.name)-epcis"))
        members[id] = member
        return member
    }

    /// The operator named `name`.
    public func member(named name: String) async throws -> Member {
        try await member(try did(name: name))
    }

    /// The operator by its DID (`did:…`) or its name.
    public func member(nameOrDID: String) async throws -> Member {
        nameOrDID.hasPrefix("did:") ? try await member(nameOrDID) : try await member(named: nameOrDID)
    }

    private func statusLists(name: String, keys: OperatorKeys) -> OperatorStatusLists {
        OperatorStatusLists(
            repository: statusListRepository, operatorKeys: keys, publicHost: publicHost, path: "operators/\(name)/status-lists")
    }

    private static let nameBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_".utf8)
}
