import Encoding

/// Why a store could not do what was asked. Every case carries a stable code.
public enum StorageError: CodedError, Equatable {
    /// The database cannot be reached, opened or written (connection refused, disk full, locked too long).
    case unavailable(String)
    /// The database answered with an error that is none of the others.
    case failed(String)
    /// A credential with this id is already stored; credentials are immutable.
    case credentialExists(id: String)
    /// Another token already has this secret hash.
    case tokenExists(secretHash: String)
    /// The database was migrated by a newer Voltpass than this one.
    case schemaTooNew(found: Int, known: Int)
    /// A stored value cannot be read back (an unknown algorithm, a malformed column, a damaged file).
    case corrupt(String)
    /// The PostgreSQL URL cannot be used.
    case invalidDatabaseURL(String)
    /// The PostgreSQL schema name is not a plain lowercase identifier.
    case invalidSchemaName(String)
    /// A value given to the store cannot be stored, e.g. a date out of range or a negative limit.
    case invalidValue(String)
    /// Another request already recorded its response under this idempotency key.
    case idempotencyKeyExists(key: String)

    public var code: String {
        switch self {
        case .unavailable: "storage_unavailable"
        case .failed: "storage_failed"
        case .credentialExists: "credential_exists"
        case .tokenExists: "token_exists"
        case .schemaTooNew: "schema_too_new"
        case .corrupt: "storage_corrupt"
        case .invalidDatabaseURL: "invalid_database_url"
        case .invalidSchemaName: "invalid_schema_name"
        case .invalidValue: "invalid_value"
        case .idempotencyKeyExists: "idempotency_key_exists"
        }
    }

    public var message: String {
        switch self {
        case .unavailable(let reason): "the database is unavailable: \(reason)"
        case .failed(let reason): "the database reported an error: \(reason)"
        case .credentialExists(let id): "a credential with id '\(id)' is already stored"
        case .tokenExists(let hash): "another token already has the secret hash '\(hash)'"
        case .schemaTooNew(let found, let known):
            "the database schema is at version \(found), but this Voltpass only knows versions up to \(known); upgrade Voltpass"
        case .corrupt(let reason): "a stored value cannot be read: \(reason)"
        case .invalidDatabaseURL(let reason): "invalid PostgreSQL URL: \(reason)"
        case .invalidSchemaName(let name):
            "invalid schema name '\(name)': use lowercase letters, digits and '_', starting with a letter or '_'"
        case .invalidValue(let reason): "cannot store the value: \(reason)"
        case .idempotencyKeyExists(let key): "another request recorded its response under the idempotency key '\(key)'"
        }
    }
}
