import Foundation

/// The operator's did:web identity: key history and DID document in the store, secret keys in key
/// files (mode 0600) under `keys/` in the data directory or, with HSM custody, in a PKCS#11 token.
/// Rotation retires the current key and keeps it in the DID document, so credentials it signed keep
/// verifying (REQ-NF05).
public actor OperatorKeys {
    /// The operator's DID, e.g. `did:web:localhost%3A8080`.
    public nonisolated let did: String
    private let store: any KeyRepository & DIDDocumentRepository
    private let dataDirectory: URL
    private let custody: KeyCustody
    /// The services the DID document lists besides the keys (e.g. the Cardano payment address).
    private let services: [DIDService]
    private let now: @Sendable () -> Date
    /// The current signer, DID document and key history, re-read after ``refreshInterval`` (another instance
    /// sharing the database may have rotated) and at once after a rotation here. The signer is only
    /// opened again when the current key changed.
    private var cachedSigner: (methodID: String, location: String, signer: any Signer, readAt: Date)?
    private var cachedDocument: (document: DIDDocument, readAt: Date)?
    private var cachedHistory: (records: [KeyRecord], readAt: Date)?
    private static let refreshInterval: TimeInterval = 5

    /// New keys go where `custody` says; existing keys are opened wherever their records say they are.
    public init(
        did: String, store: any KeyRepository & DIDDocumentRepository, dataDirectory: URL, custody: KeyCustody = .keyFiles,
        services: [DIDService] = [], now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.did = did
        self.store = store
        self.dataDirectory = dataDirectory
        self.custody = custody
        self.services = services
        self.now = now
    }

    /// The did:web DID served at `http(s)://<publicHost>/.well-known/did.json`.
    public static func did(publicHost: String) throws -> String {
        guard let url = URL(string: "https://\(publicHost)/.well-known/did.json") else {
            throw IdentityError(.invalidDid, "'\(publicHost)' is not a host name with an optional port")
        }
        return try DIDWeb.did(forDocumentURL: url)
    }

    /// Creates the first key and DID document unless the operator has a current key. Returns whether it created one.
    /// The DID document is derived from the key records, so it is rebuilt here: a rotation that was
    /// interrupted between saving the records and the document heals on the next start.
    public func bootstrap(algorithm: KeyAlgorithm = .ed25519) async throws -> Bool {
        cachedSigner = nil
        cachedDocument = nil
        cachedHistory = nil
        let records = try await store.keys(controller: did)
        guard records.contains(where: { $0.validUntil == nil }) else {
            _ = try await rotate(to: algorithm)
            return true
        }
        let document = try DIDWeb.document(did: did, keys: records, services: services)
        if try await store.document(did: did)?.document != document.serialized {
            try await store.saveDocument(DIDDocumentRecord(did: did, document: document.serialized, updatedAt: now()))
        }
        return false
    }

    /// The DID document as stored.
    public func document() async throws -> DIDDocument {
        if let cachedDocument, now().timeIntervalSince(cachedDocument.readAt) < Self.refreshInterval { return cachedDocument.document }
        guard let record = try await store.document(did: did) else {
            throw IdentityError(.notFound, "no DID document for \(did)")
        }
        let document = try DIDDocument(parsing: record.document)
        cachedDocument = (document, now())
        return document
    }

    /// The operator's key records, oldest first, re-read like the DID document.
    public func history() async throws -> [KeyRecord] {
        if let cachedHistory, now().timeIntervalSince(cachedHistory.readAt) < Self.refreshInterval { return cachedHistory.records }
        let records = try await store.keys(controller: did)
        cachedHistory = (records, now())
        return records
    }

    /// The signer of the current key (from its key file or its HSM) and its verification method.
    /// Throws the key file's or the HSM's error, prefixed with the key's id; neither names a path or
    /// holds key material. A secret that does not match the recorded public key is `invalidKeyHistory`.
    public func currentSigner() async throws -> (methodID: String, signer: any Signer) {
        if let cachedSigner, now().timeIntervalSince(cachedSigner.readAt) < Self.refreshInterval {
            return (cachedSigner.methodID, cachedSigner.signer)
        }
        guard let current = try await store.keys(controller: did).last(where: { $0.validUntil == nil }),
            let location = current.secretLocation
        else {
            throw IdentityError(.notFound, "\(did) has no current key held by this instance")
        }
        if let cachedSigner, cachedSigner.methodID == current.id, cachedSigner.location == location {
            self.cachedSigner?.readAt = now()
            return (current.id, cachedSigner.signer)
        }
        let loaded: any Signer
        do {
            loaded = try custody.signer(at: location, dataDirectory: dataDirectory)
        } catch let error as IdentityError {
            throw IdentityError(error.kind, "key \(current.id): \(error.message)")
        } catch let error as HSMError {
            throw HSMError(error.kind, "key \(current.id): \(error.message)", returnValue: error.returnValue)
        }
        guard (try? PublicKey(algorithm: loaded.algorithm, rawRepresentation: loaded.publicKey).multikey) == current.publicKeyMultibase
        else {
            throw IdentityError(.invalidKeyHistory, "the secret key held for \(current.id) does not belong to its recorded public key")
        }
        cachedSigner = (current.id, location, loaded, now())
        return (current.id, loaded)
    }

    /// Makes a new key of `algorithm` current and retires the old one; returns the new DID document.
    /// The key is created first (a key file written, or a key pair generated in the HSM), then the
    /// records, so a crash never leaves a key record without its secret.
    public func rotate(to algorithm: KeyAlgorithm) async throws -> DIDDocument {
        let records = try await store.keys(controller: did)
        let date = now()
        let name = UUID()
        let updated: [KeyRecord]
        let document: DIDDocument
        switch custody {
        case .keyFiles:
            let signer = SoftwareSigner.generate(algorithm)
            let location = "keys/\(name.uuidString.lowercased()).json"
            updated = try KeyRotation.rotate(records, controller: did, to: signer, at: date, secretLocation: location)
            document = try DIDWeb.document(did: did, keys: updated, services: services)
            let keyDirectory = dataDirectory.appendingPathComponent("keys", isDirectory: true)
            try FileManager.default.createDirectory(
                at: keyDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try KeyFile.write(signer, to: dataDirectory.appendingPathComponent(location), id: updated.last?.id, controller: did)
        case .hsm(let token):
            let signer = try token.generateKeyPair(
                algorithm, label: "voltpass-\(name.uuidString.lowercased())", id: withUnsafeBytes(of: name.uuid) { Array($0) })
            updated = try KeyRotation.rotate(records, controller: did, to: signer, at: date, secretLocation: signer.uri.description)
            document = try DIDWeb.document(did: did, keys: updated, services: services)
        }
        for record in updated where !records.contains(record) {
            try await store.saveKey(record)
        }
        try await store.saveDocument(DIDDocumentRecord(did: did, document: document.serialized, updatedAt: date))
        cachedSigner = nil
        cachedDocument = nil
        cachedHistory = nil
        return document
    }
}
