import Foundation

/// What is stored about one key (never the private key itself): which DID it belongs to, its
/// verification method id, and the interval during which it was valid.
public struct KeyRecord: Sendable, Equatable, Codable {
    /// Verification method id, e.g. `did:web:example.com#key-1`.
    public var id: String
    /// The DID that controls the key.
    public var controller: String
    public var algorithm: KeyAlgorithm
    /// The public key as Multikey (`z…`).
    public var publicKeyMultibase: String
    /// When the key became valid.
    public var validFrom: Date
    /// When the key was retired by a rotation; nil while it is current.
    public var validUntil: Date?
    /// Where the secret lives, e.g. a key file path relative to the data directory; nil when held elsewhere.
    public var secretLocation: String?

    public init(
        id: String, controller: String, algorithm: KeyAlgorithm, publicKeyMultibase: String,
        validFrom: Date, validUntil: Date? = nil, secretLocation: String? = nil
    ) {
        self.id = id
        self.controller = controller
        self.algorithm = algorithm
        self.publicKeyMultibase = publicKeyMultibase
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.secretLocation = secretLocation
    }
}

/// Stores key metadata and its history.
public protocol KeyRepository: Sendable {
    /// Inserts or replaces a key record.
    func saveKey(_ record: KeyRecord) async throws
    /// The key with this verification method id.
    func key(id: String) async throws -> KeyRecord?
    /// Every key of a controller, current and retired, oldest first.
    func keys(controller: String) async throws -> [KeyRecord]
}

/// A stored DID document: the JSON exactly as served.
public struct DIDDocumentRecord: Sendable, Equatable, Codable {
    public var did: String
    /// UTF-8 JSON of the document.
    public var document: [UInt8]
    public var updatedAt: Date

    public init(did: String, document: [UInt8], updatedAt: Date) {
        self.did = did
        self.document = document
        self.updatedAt = updatedAt
    }
}

/// Stores the DID documents this instance serves.
public protocol DIDDocumentRepository: Sendable {
    func saveDocument(_ record: DIDDocumentRecord) async throws
    func document(did: String) async throws -> DIDDocumentRecord?
}

/// The roles an API token can carry. Roles do not nest: an admin manages operators and tokens and
/// writes nothing of an operator's; issuers and readers act only for the operators their token names.
public enum AccessRole: String, Sendable, Codable, CaseIterable {
    /// Registers operators, creates, lists and revokes tokens, rotates the instance key.
    case admin
    /// Issues credentials, records events, provisions and changes devices, for its operators.
    case issuer
    /// Submits readings for its operators.
    case reader
}

/// A bearer token as stored: only the SHA-256 of the secret is kept.
public struct AccessTokenRecord: Sendable, Equatable, Codable {
    public var id: String
    /// Lowercase hex SHA-256 of the token secret.
    public var secretHash: String
    public var role: AccessRole
    public var label: String
    /// The DIDs of the operators the token acts for (empty for an admin token).
    public var operators: [String]
    public var createdAt: Date
    /// When the token stops working; nil never (only tokens stored before expiry existed).
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(
        id: String, secretHash: String, role: AccessRole, label: String, operators: [String] = [], createdAt: Date,
        expiresAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.secretHash = secretHash
        self.role = role
        self.label = label
        self.operators = operators
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may be used at `date`: not revoked and not expired.
    public func isLive(at date: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { date < $0 } ?? true)
    }

    /// Whether the token acts for the operator with DID `did`.
    public func actsFor(_ did: String) -> Bool { operators.contains(did) }
}

/// Stores API tokens.
public protocol AccessTokenRepository: Sendable {
    func saveToken(_ record: AccessTokenRecord) async throws
    /// The token whose secret hashes to `secretHash`, if any (revoked tokens included).
    func token(secretHash: String) async throws -> AccessTokenRecord?
    func tokens() async throws -> [AccessTokenRecord]
}
