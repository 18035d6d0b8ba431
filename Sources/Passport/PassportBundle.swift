import Credentials
import Encoding
import Foundation
import Identity
import Ledger
import Trie

/// Everything needed to verify one battery's passport with no network: its credentials, the
/// operator's DID document, snapshots of the status lists they use, the leaf with its proof against
/// the trie root, and the operator's signed checkpoint of its ledger anchor. The service assembles
/// one for every verification (`GET /passports/{id}/bundle` hands it out); ``PassportVerifier``
/// checks it. Format 2 (`"version": 2`): the anchor is an ``AnchorCheckpoint``.
public struct PassportBundle: Sendable {
    public static let type = "VoltpassPassportBundle"
    /// The bundle format this code writes and reads.
    public static let version = 2

    public var batteryID: String
    /// The DID of the operator whose trie holds the leaf.
    public var operatorID: String
    /// The Device credential.
    public var device: Credential
    public var bom: Credential
    /// The Ownership credentials, first owner first; none when ``ownershipWithheld``.
    public var ownership: [Credential]
    /// Whether the Ownership credentials were left out: who owns a battery is for persons with a
    /// legitimate interest, so a public bundle (``withholdingOwnership()``) carries none.
    public var ownershipWithheld = false
    /// The BMS key credentials of replaced modules, oldest first.
    public var bmsKeys: [Credential]
    /// The DID documents of the issuers (the operator's did:web document).
    public var didDocuments: [DIDDocument]
    /// The status list credentials the credentials point at, as published when the bundle was made.
    public var statusLists: [JSONObject]
    /// The leaf's bytes (CBOR Plutus data).
    public var leaf: [UInt8]
    /// The root of the operator's trie the proof is made against.
    public var trieRoot: Hash32
    public var proof: Proof
    /// The operator's signed checkpoint of its newest anchor, nil when it has never anchored.
    public var anchor: AnchorCheckpoint?
    /// The public chain's transaction that recorded the checkpoint's anchor, when the ledger is on one:
    /// its id is the checkpoint's transaction and its output holds the root, and any indexer of that
    /// chain confirms it.
    public var anchorTransaction: AnchoringTransaction?
    /// For a repurposed battery's second-life passport: the original leaf (final, Repurposed), which
    /// the leaf's origin proof leads from to the root the original operator anchored.
    public var originLeaf: [UInt8]?
    /// When the bundle was assembled.
    public var createdAt: Date

    public init(
        batteryID: String, operatorID: String, device: Credential, bom: Credential, ownership: [Credential], bmsKeys: [Credential],
        didDocuments: [DIDDocument], statusLists: [JSONObject], leaf: [UInt8], trieRoot: Hash32, proof: Proof, anchor: AnchorCheckpoint?,
        createdAt: Date
    ) {
        self.batteryID = batteryID
        self.operatorID = operatorID
        self.device = device
        self.bom = bom
        self.ownership = ownership
        self.bmsKeys = bmsKeys
        self.didDocuments = didDocuments
        self.statusLists = statusLists
        self.leaf = leaf
        self.trieRoot = trieRoot
        self.proof = proof
        self.anchor = anchor
        self.createdAt = createdAt
    }

    /// The bundle without its Ownership credentials and the status lists only they use: what the
    /// public may have. The leaf stays as anchored (its trie proof needs its bytes); it names the
    /// current Ownership credential by id only.
    public func withholdingOwnership() -> PassportBundle {
        var bundle = self
        let kept = Set(([device, bom] + bmsKeys).flatMap { credential in
            ((try? StatusListEntry.entries(in: credential.json)) ?? []).map(\.entry.listCredential)
        })
        bundle.statusLists = statusLists.filter { $0["id"]?.stringValue.map(kept.contains) ?? false }
        bundle.ownership = []
        bundle.ownershipWithheld = true
        return bundle
    }

    /// The bundle as JSON (binary members in lowercase hex).
    public var json: JSONObject {
        var object: JSONObject = [
            "type": .string(Self.type),
            "version": .number(Double(Self.version)),
            "batteryId": .string(batteryID),
            "operator": .string(operatorID),
            "createdAt": .string(XSDDateTime.format(createdAt)),
            "credentials": .object([
                "device": .object(device.json),
                "bom": .object(bom.json),
                "ownership": .array(ownership.map { .object($0.json) }),
                "bmsKeys": .array(bmsKeys.map { .object($0.json) }),
            ]),
            "didDocuments": .array(didDocuments.map { .object($0.json) }),
            "statusLists": .array(statusLists.map(JSONValue.object)),
            "leaf": .string(Hex.encode(leaf)),
            "trie": .object(["root": .string(trieRoot.hex), "proof": .string(Hex.encode(proof.cbor()))]),
        ]
        object["anchor"] = anchor.map { .object($0.json) } ?? .null
        if let anchorTransaction {
            object["anchorTransaction"] = .object([
                "chain": .string(anchorTransaction.chain), "cbor": .string(Hex.encode(anchorTransaction.cbor)),
                "outputIndex": .number(Double(anchorTransaction.outputIndex)),
            ])
        }
        if let originLeaf { object["originLeaf"] = .string(Hex.encode(originLeaf)) }
        if ownershipWithheld { object["ownershipWithheld"] = true }
        return object
    }

    /// Reads a bundle from its JSON; a problem is `bundle_invalid` naming the member.
    public init(json value: JSONValue) throws(PassportError) {
        func invalid(_ member: String, _ message: String) -> PassportError {
            PassportError("bundle_invalid", "/\(member) \(message)")
        }
        guard let object = value.objectValue else { throw invalid("", "a bundle is a JSON object") }
        guard object["type"]?.stringValue == Self.type else { throw invalid("type", "must be \(Self.type)") }
        guard object["version"]?.doubleValue == Double(Self.version) else {
            throw PassportError(
                "bundle_version_unsupported", "/version must be \(Self.version): this verifier reads bundles whose anchor is a signed checkpoint")
        }
        func string(_ member: String) throws(PassportError) -> String {
            guard let text = object[member]?.stringValue else { throw invalid(member, "must be a string") }
            return text
        }
        func hex(_ text: String?, _ member: String) throws(PassportError) -> [UInt8] {
            guard let text, let bytes = try? Hex.decode(text) else { throw invalid(member, "must be hex") }
            return bytes
        }
        func hash(_ text: String?, _ member: String) throws(PassportError) -> Hash32 {
            guard let hash = Hash32(bytes: try hex(text, member)) else { throw invalid(member, "must be 32 bytes") }
            return hash
        }
        func credential(_ value: JSONValue?, _ member: String) throws(PassportError) -> Credential {
            guard let object = value?.objectValue else { throw invalid(member, "must be a credential object") }
            return Credential(object)
        }
        func credentials(_ value: JSONValue?, _ member: String) throws(PassportError) -> [Credential] {
            guard let items = value?.arrayValue else { throw invalid(member, "must be an array of credentials") }
            var result: [Credential] = []
            for (index, item) in items.enumerated() { result.append(try credential(item, "\(member)/\(index)")) }
            return result
        }
        batteryID = try string("batteryId")
        operatorID = try string("operator")
        guard let created = XSDDateTime.parse(try string("createdAt")) else { throw invalid("createdAt", "must be a dateTimeStamp") }
        createdAt = created
        let credentialSet = object["credentials"]
        device = try credential(credentialSet?["device"], "credentials/device")
        bom = try credential(credentialSet?["bom"], "credentials/bom")
        ownership = try credentials(credentialSet?["ownership"], "credentials/ownership")
        bmsKeys = try credentials(credentialSet?["bmsKeys"], "credentials/bmsKeys")
        switch object["ownershipWithheld"] {
        case nil, .bool(false)?: ownershipWithheld = false
        case .bool(true)?:
            guard ownership.isEmpty else { throw invalid("ownershipWithheld", "is true, yet the bundle carries Ownership credentials") }
            ownershipWithheld = true
        default: throw invalid("ownershipWithheld", "must be a boolean")
        }
        guard let documents = object["didDocuments"]?.arrayValue else { throw invalid("didDocuments", "must be an array") }
        var parsed: [DIDDocument] = []
        for (index, document) in documents.enumerated() {
            do {
                parsed.append(try DIDDocument(document))
            } catch {
                throw invalid("didDocuments/\(index)", "is not a DID document: \(error.message)")
            }
        }
        didDocuments = parsed
        guard let lists = object["statusLists"]?.arrayValue, lists.allSatisfy({ $0.objectValue != nil }) else {
            throw invalid("statusLists", "must be an array of status list credentials")
        }
        statusLists = lists.compactMap(\.objectValue)
        leaf = try hex(object["leaf"]?.stringValue, "leaf")
        trieRoot = try hash(object["trie"]?["root"]?.stringValue, "trie/root")
        do {
            proof = try Proof(cbor: try hex(object["trie"]?["proof"]?.stringValue, "trie/proof"))
        } catch let error as PassportError {
            throw error
        } catch {
            throw invalid("trie/proof", "is not a Merkle Patricia Forestry proof: \(error)")
        }
        switch object["anchor"] {
        case nil, .null?:
            anchor = nil
        case let value?:
            do {
                anchor = try AnchorCheckpoint(json: value)
            } catch {
                throw PassportError("bundle_invalid", "/anchor\(error.message.hasPrefix("/ ") ? String(error.message.dropFirst()) : error.message)")
            }
        }
        originLeaf = try object["originLeaf"].map { value throws(PassportError) in try hex(value.stringValue, "originLeaf") }
        if let carried = object["anchorTransaction"], carried != .null {
            guard let chain = carried["chain"]?.stringValue, !chain.isEmpty else { throw invalid("anchorTransaction/chain", "must name the chain") }
            guard let index = carried["outputIndex"]?.doubleValue, index >= 0, index < 65_536, index.rounded() == index else {
                throw invalid("anchorTransaction/outputIndex", "must be an output index")
            }
            anchorTransaction = AnchoringTransaction(
                chain: chain, cbor: try hex(carried["cbor"]?.stringValue, "anchorTransaction/cbor"), outputIndex: Int(index))
        }
    }
}

/// Resolves the DIDs whose documents a bundle carries, and did:key locally.
struct BundleResolver: DIDResolver {
    let documents: [String: DIDDocument]

    func resolve(_ did: String) async throws -> DIDDocument {
        let url = try DIDURL(did)
        if let document = documents[url.did] { return document }
        if url.method == "key" { return try await DIDKeyResolver().resolve(url.did) }
        throw IdentityError(.notFound, "the bundle carries no DID document for \(url.did)")
    }
}

/// Serves the status list snapshots a bundle carries.
struct BundleStatusLists: StatusListFetcher {
    let lists: [String: JSONObject]

    init(_ lists: [JSONObject]) {
        var byURL: [String: JSONObject] = [:]
        for list in lists {
            if let id = list["id"]?.stringValue { byURL[id] = list }
        }
        self.lists = byURL
    }

    func fetch(_ url: String) async throws(StatusListError) -> JSONObject {
        guard let list = lists[url] else {
            throw StatusListError(.statusUnreachable, "the bundle carries no status list \(url)")
        }
        return list
    }
}
