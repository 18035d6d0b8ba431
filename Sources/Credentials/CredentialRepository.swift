import Foundation

/// An issued credential as stored: the signed JSON exactly as issued, with the fields used to find it.
public struct StoredCredential: Sendable, Equatable, Codable {
    /// The credential `id` (a URL or URN).
    public var id: String
    /// The issuer DID.
    public var issuer: String
    /// The credential `type` values.
    public var types: [String]
    /// The first subject's `id`, if it has one.
    public var subject: String?
    public var issuedAt: Date
    /// UTF-8 JSON of the signed credential.
    public var document: [UInt8]

    public init(id: String, issuer: String, types: [String], subject: String?, issuedAt: Date, document: [UInt8]) {
        self.id = id
        self.issuer = issuer
        self.types = types
        self.subject = subject
        self.issuedAt = issuedAt
        self.document = document
    }
}

/// Stores issued credentials. Saving an id that exists is an error: credentials are immutable.
public protocol CredentialRepository: Sendable {
    func saveCredential(_ credential: StoredCredential) async throws
    func credential(id: String) async throws -> StoredCredential?
    /// Credentials of an issuer, newest first.
    func credentials(issuer: String, limit: Int) async throws -> [StoredCredential]
    /// Credentials about a subject, newest first.
    func credentials(subject: String, limit: Int) async throws -> [StoredCredential]
    /// The newest credential about `subject` that has `type`, issued by `issuer` when given (however
    /// many other credentials about the subject were stored since).
    func newestCredential(subject: String, type: String, issuer: String?) async throws -> StoredCredential?
}
