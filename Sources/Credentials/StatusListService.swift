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
    private var published: [String: (revision: Int, credential: JSONObject)] = [:]
    /// Lists by id without their bits: only what never changes is read from them.
    private var shapes: [String: StatusListRecord] = [:]

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

    /// The URL a list is published at.
    public func url(ofList id: String) -> String { baseURL + "/" + id }

    /// Creates an empty list. `id` (letters, digits, `-`, `_`; at most 64) defaults to a random one;
    /// `entryCount` must be a multiple of 8 and at least 131,072.
    public func createList(
        id: String? = nil, purpose: StatusPurpose, entryCount: Int = StatusListBitstring.minimumEntryCount,
        allocation: Allocation = .random
    ) async throws -> StatusListRecord {
        guard purpose == .revocation || purpose == .suspension else {
            throw StatusListError(.statusUpdateInvalid, "lists can be created for revocation or suspension, not \(purpose)")
        }
        guard entryCount >= StatusListBitstring.minimumEntryCount, entryCount % 8 == 0, entryCount <= 1 << 30 else {
            throw StatusListError(
                .statusListLengthError, "a list needs a multiple of 8 entries from \(StatusListBitstring.minimumEntryCount) to 2^30")
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
        return record
    }

    /// Hands out the next unused index of a list as a `credentialStatus` entry; `status_list_full`
    /// when none is left.
    public func allocateEntry(listID: String) async throws -> StatusListEntry {
        try await allocateEntries(listID: listID, count: 1)[0]
    }

    /// Hands out `count` unused indices of a list at once.
    public func allocateEntries(listID: String, count: Int) async throws -> [StatusListEntry] {
        guard count > 0 else { return [] }
        let list = try await shape(listID)
        guard let numbers = try await repository.allocateStatusEntries(listID: listID, count: count) else {
            throw StatusListError(.statusListFull, "the status list \(listID) has fewer than \(count) unused entries")
        }
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
        _ = try await repository.setStatusBit(listID: listID, index: index, to: change.value, at: now())
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
        _ = try await repository.setStatusBit(listID: change.listID, index: change.index, to: change.value, at: now())
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

    /// The signed `BitstringStatusListCredential` of a list, as published. It is signed again only
    /// after the list changed.
    public func publishedCredential(listID: String) async throws -> JSONObject {
        let list = try await record(listID)
        if let cached = published[listID], cached.revision == list.revision { return cached.credential }
        let date = now()
        let unsigned = try StatusListCredential(
            id: url(ofList: listID), issuer: list.issuer, purposes: [list.purpose], bitstring: StatusListBitstring(bytes: list.bits),
            validFrom: date, timeToLive: timeToLive
        ).document
        let cryptosuite: Cryptosuite = signer.algorithm == .ed25519 ? .eddsaJcs2022 : .ecdsaJcs2019
        let signed = try await DataIntegrity.sign(
            unsigned, options: ProofOptions(cryptosuite: cryptosuite, verificationMethod: verificationMethod, created: date),
            signer: signer)
        if (published[listID]?.revision ?? -1) <= list.revision { published[listID] = (list.revision, signed) }
        return signed
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
        guard let list = try await repository.statusList(id: id) else {
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
