import Encoding
import Foundation
import Identity

/// The issuer side of Bitstring Status Lists: creates lists, hands out entries without ever reusing an
/// index, revokes, suspends and reinstates, and produces the signed status list credential published
/// at `baseURL/<list id>`.
public actor StatusListService {
    /// What can be done to a credential's status.
    public enum Action: String, Sendable, CaseIterable {
        /// Sets the bit in a `revocation` list. Permanent.
        case revoke
        /// Sets the bit in a `suspension` list.
        case suspend
        /// Clears the bit in a `suspension` list.
        case reinstate
    }

    /// How a list hands out indices.
    public enum Allocation: Sendable {
        /// A keyed random permutation of the indices, so an index says nothing about issuance order.
        case random
        /// 0, 1, 2, …
        case sequential
    }

    private let repository: any StatusListRepository
    private let issuer: String
    private let signer: any Signer
    private let verificationMethod: String
    private let baseURL: String
    private let timeToLive: Int?
    private let now: @Sendable () -> Date
    /// Lists by id without their bits: only what never changes is read from them.
    private var shapes: [String: StatusListRecord] = [:]
    /// Allocation numbers taken from the store for single entries and not handed out yet, per list.
    private var reserved: [String: Range<Int>] = [:]

    /// - Parameters:
    ///   - repository: where lists are kept.
    ///   - issuer: the DID that signs the lists.
    ///   - signer: the key that signs them (Ed25519 → eddsa-jcs-2022, P-256 → ecdsa-jcs-2019).
    ///   - verificationMethod: the DID URL of that key, authorized for `assertionMethod`.
    ///   - baseURL: where lists are published, e.g. `https://example.com/status-lists`; a list's URL is
    ///     `baseURL/<id>`.
    ///   - timeToLive: the `ttl` (milliseconds) written into published lists, if any.
    ///   - now: the clock.
    public init(
        repository: any StatusListRepository, issuer: String, signer: any Signer, verificationMethod: String,
        baseURL: String, timeToLive: Int? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.repository = repository
        self.issuer = issuer
        self.signer = signer
        self.verificationMethod = verificationMethod
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeToLive = timeToLive
        self.now = now
    }

    /// The most entries a list may have (2^20, a 128 KiB bitstring), so that publishing and checking
    /// one stays cheap.
    public static let maximumEntryCount = 1 << 20

    /// The issuer DID whose lists this service keeps.
    public nonisolated var issuerDID: String { issuer }

    /// The URL a list is published at.
    public func url(ofList id: String) -> String { baseURL + "/" + id }

    /// Creates an empty list and publishes its signed credential. `id` (letters, digits, `-`, `_`; at
    /// most 64) defaults to a random one; `entryCount` must be a multiple of 8 from 131,072 to
    /// ``maximumEntryCount``. Ids are the issuer's own: another issuer's list of the same id is another list.
    public func createList(
        id: String? = nil, purpose: StatusPurpose, entryCount: Int = StatusListBitstring.minimumEntryCount,
        allocation: Allocation = .random
    ) async throws -> StatusListRecord {
        guard purpose == .revocation || purpose == .suspension else {
            throw StatusListError(.statusUpdateInvalid, "lists can be created for revocation or suspension, not \(purpose)")
        }
        guard entryCount >= StatusListBitstring.minimumEntryCount, entryCount % 8 == 0, entryCount <= Self.maximumEntryCount else {
            throw StatusListError(
                .statusListLengthError,
                "a list needs a multiple of 8 entries from \(StatusListBitstring.minimumEntryCount) to \(Self.maximumEntryCount)")
        }
        let id = id ?? Hex.encode(Self.randomBytes(8))
        guard !id.isEmpty, id.utf8.count <= 64, id.utf8.allSatisfy({ Self.idCharacters.contains($0) }) else {
            throw StatusListError(.statusUpdateInvalid, "a list id needs 1 to 64 letters, digits, '-' or '_'")
        }
        let date = now()
        let record = StatusListRecord(
            id: id, issuer: issuer, purpose: purpose, entryCount: entryCount,
            allocationKey: allocation == .random ? Self.randomBytes(32) : nil,
            bits: [UInt8](repeating: 0, count: entryCount / 8), createdAt: date, updatedAt: date)
        try await repository.createStatusList(record)
        try await publish(listID: id)
        return record
    }

    /// Hands out the next unused index of a list as a `credentialStatus` entry; `status_list_full`
    /// when none is left. Single entries come from a few taken from the store at once (one store
    /// write per ``reservedEntries`` entries); those not handed out when the service ends stay unused.
    public func allocateEntry(listID: String) async throws -> StatusListEntry {
        if let numbers = reserved[listID], let number = numbers.first {
            reserved[listID] = numbers.count > 1 ? numbers.dropFirst() : nil
            return try await entries(listID, numbers: number..<number + 1)[0]
        }
        var numbers = try await repository.allocateStatusEntries(issuer: issuer, listID: listID, count: Self.reservedEntries)
        if numbers == nil {  // fewer left than a reserve
            numbers = try await repository.allocateStatusEntries(issuer: issuer, listID: listID, count: 1)
        }
        guard let numbers, let number = numbers.first else {
            throw StatusListError(.statusListFull, "the status list \(listID) has no unused entry")
        }
        // Another caller may have reserved meanwhile: its reserve is kept, this one's rest is left unused.
        if numbers.count > 1, reserved[listID] == nil { reserved[listID] = numbers.dropFirst() }
        return try await entries(listID, numbers: number..<number + 1)[0]
    }

    /// How many single entries are taken from the store at once.
    static let reservedEntries = 16

    /// Hands out `count` unused indices of a list at once.
    public func allocateEntries(listID: String, count: Int) async throws -> [StatusListEntry] {
        guard count > 0 else { return [] }
        guard let numbers = try await repository.allocateStatusEntries(issuer: issuer, listID: listID, count: count) else {
            throw StatusListError(.statusListFull, "the status list \(listID) has fewer than \(count) unused entries")
        }
        return try await entries(listID, numbers: numbers)
    }

    /// The entries of a list at the allocation numbers `numbers` (mapped through the list's permutation).
    private func entries(_ listID: String, numbers: Range<Int>) async throws -> [StatusListEntry] {
        let list = try await shape(listID)
        let permutation = list.allocationKey.map { StatusListIndexPermutation(count: list.entryCount, key: $0) }
        let url = url(ofList: listID)
        return numbers.map { number in
            let index = permutation?.index(number) ?? number
            return StatusListEntry(id: "\(url)#\(index)", purpose: list.purpose, index: index, listCredential: url)
        }
    }

    /// Applies `action` to the entry at `index` of a list. The action must fit the list's purpose
    /// (`revoke` a revocation list; `suspend` and `reinstate` a suspension list) and the index must have
    /// been handed out; otherwise `status_update_invalid`.
    public func update(listID: String, index: Int, _ action: Action) async throws {
        let change = try await bitChange(listID: listID, index: index, action)
        _ = try await repository.setStatusBit(issuer: issuer, listID: listID, index: index, to: change.value, at: now())
        try await publish(listID: listID)
    }

    /// The bit `action` sets on the entry at `index` of a list, after the checks of
    /// ``update(listID:index:_:)``, without writing it: for a caller that writes it in a transaction
    /// of its own.
    public func bitChange(listID: String, index: Int, _ action: Action) async throws -> (listID: String, index: Int, value: Bool) {
        let list = try await shape(listID)
        let required: StatusPurpose = action == .revoke ? .revocation : .suspension
        guard list.purpose == required else {
            throw StatusListError(.statusUpdateInvalid, "'\(action.rawValue)' needs a \(required) list; \(listID) is a \(list.purpose) list")
        }
        guard index >= 0, index < list.entryCount else {
            throw StatusListError(.rangeError, "index \(index) is outside the \(list.entryCount) entries of \(listID)")
        }
        let number = list.allocationKey.map { StatusListIndexPermutation(count: list.entryCount, key: $0).allocationNumber(of: index) } ?? index
        guard number < (try await record(listID)).allocated else {
            throw StatusListError(.statusUpdateInvalid, "index \(index) of \(listID) has not been handed out")
        }
        return (listID, index, action != .reinstate)
    }

    /// Applies `action` to a credential's entry, which must point into one of this service's lists.
    public func update(_ entry: StatusListEntry, _ action: Action) async throws {
        let change = try await bitChange(entry, action)
        _ = try await repository.setStatusBit(issuer: issuer, listID: change.listID, index: change.index, to: change.value, at: now())
        try await publish(listID: change.listID)
    }

    /// The bit `action` sets on a credential's entry (see ``bitChange(listID:index:_:)``).
    public func bitChange(_ entry: StatusListEntry, _ action: Action) async throws -> (listID: String, index: Int, value: Bool) {
        let prefix = baseURL + "/"
        guard entry.listCredential.hasPrefix(prefix) else {
            throw StatusListError(.statusListNotFound, "\(entry.listCredential) is not a list published under \(baseURL)")
        }
        return try await bitChange(listID: String(entry.listCredential.dropFirst(prefix.count)), index: entry.index, action)
    }

    /// Whether the bit at `index` is set.
    public func isSet(listID: String, index: Int) async throws -> Bool {
        let list = try await record(listID)
        return try StatusListBitstring(bytes: list.bits).status(at: index) == 1
    }

    /// The signed `BitstringStatusListCredential` of a list, as published (see
    /// ``publishedCredential(listID:issuer:in:)``).
    public func publishedCredential(listID: String) async throws -> JSONObject {
        try await Self.publishedCredential(listID: listID, issuer: issuer, in: repository)
    }

    /// The signed `BitstringStatusListCredential` of `issuer`'s list as published: the copy signed
    /// when the list last changed, never signed on the way out, so reading it touches no secret key.
    /// A list whose latest change is not signed yet is `status_unreachable` rather than an out-of-date
    /// copy that could hide a revocation (``publish(listID:)`` signs it).
    public static func publishedCredential(listID: String, issuer: String, in repository: any StatusListRepository) async throws
        -> JSONObject
    {
        try credential(of: try await currentPublication(listID: listID, issuer: issuer, in: repository), listID: listID)
    }

    /// The signed copy of `issuer`'s list that shows it as it is now (see
    /// ``publishedCredential(listID:issuer:in:)`` for the codes).
    static func currentPublication(listID: String, issuer: String, in repository: any StatusListRepository) async throws
        -> PublishedStatusList
    {
        guard let publication = try await repository.statusListPublication(issuer: issuer, listID: listID) else {
            throw StatusListError(.statusListNotFound, "there is no status list '\(listID)'")
        }
        guard let current = publication.current else {
            throw StatusListError(.statusUnreachable, "the status list \(listID) is being published; try again")
        }
        return current
    }

    /// The signed credential a kept copy holds.
    static func credential(of published: PublishedStatusList, listID: String) throws -> JSONObject {
        guard case .object(let credential) = try JSONValue(parsing: published.document) else {
            throw StatusListError(.statusUnreachable, "the published copy of \(listID) is not a JSON object")
        }
        return credential
    }

    /// Signs the list's current bits as its `BitstringStatusListCredential` and keeps the signed copy
    /// (the store keeps it only when it shows a newer revision than the copy it has). Writers call it
    /// after changing a list.
    public func publish(listID: String) async throws {
        let list = try await record(listID)
        let document = try await signedList(listID, bits: list.bits)
        try await repository.savePublishedStatusList(issuer: issuer, listID: listID, PublishedStatusList(revision: list.revision, document: document))
    }

    /// The signed status list credential of list `listID` with the bitstring `bits`, serialized: what
    /// is published once those bits are stored (a store may sign the bits it is about to commit, in
    /// the same transaction).
    public func signedList(_ listID: String, bits: [UInt8]) async throws -> [UInt8] {
        let list = try await shape(listID)
        let date = now()
        let unsigned = try StatusListCredential(
            id: url(ofList: listID), issuer: list.issuer, purposes: [list.purpose], bitstring: StatusListBitstring(bytes: bits),
            validFrom: date, timeToLive: timeToLive
        ).document
        let cryptosuite = Cryptosuite.jcs(for: signer.algorithm)
        let signed = try await DataIntegrity.sign(
            unsigned, options: ProofOptions(cryptosuite: cryptosuite, verificationMethod: verificationMethod, created: date),
            signer: signer)
        return JSONValue.object(signed).serialized()
    }

    /// What never changes about a list (purpose, size, allocation key), read once.
    private func shape(_ id: String) async throws -> StatusListRecord {
        if let known = shapes[id] { return known }
        var list = try await record(id)
        list.bits = []
        shapes[id] = list
        return list
    }

    private func record(_ id: String) async throws -> StatusListRecord {
        guard let list = try await repository.statusList(issuer: issuer, id: id) else {
            throw StatusListError(.statusListNotFound, "there is no status list '\(id)'")
        }
        return list
    }

    private static let idCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
