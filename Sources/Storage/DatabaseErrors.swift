import Encoding
import Foundation
import GRDB
import PostgresNIO

/// Maps GRDB and SQLite failures to coded errors for every SQLite-backed store; coded errors and
/// cancellation pass through unchanged.
enum SQLiteErrors {
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw storageError(error)
        }
    }

    static func mappedAsync<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw storageError(error)
        }
    }

    static func storageError(_ error: any Error) -> any Error {
        switch error {
        case is CodedError, is CancellationError:
            return error
        case let error as RowDecodingError:
            return StorageError.corrupt(String(describing: error))
        case let error as DatabaseError:
            let reason = error.message ?? "SQLite error \(error.resultCode.rawValue)"
            switch error.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_FORMAT:
                return StorageError.corrupt(reason)
            case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_CANTOPEN, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_READONLY,
                .SQLITE_PERM, .SQLITE_NOMEM, .SQLITE_PROTOCOL:
                return StorageError.unavailable(reason)
            default:
                return StorageError.failed(reason)
            }
        default:
            return StorageError.failed(String(describing: error))
        }
    }
}

/// Maps PostgresNIO failures to coded errors for every PostgreSQL-backed store; coded errors and
/// cancellation pass through unchanged.
enum PostgresErrors {
    static func storageError(_ error: any Error) -> any Error {
        switch error {
        case is CodedError, is CancellationError:
            return error
        case let error as PostgresDecodingError:
            return StorageError.corrupt("column '\(error.columnName)' cannot be read as \(error.targetType) (\(error.code))")
        case let error as PSQLError:
            guard let serverInfo = error.serverInfo, let state = serverInfo[.sqlState] else {
                let underlying = error.underlying.map { ": \($0)" } ?? ""
                return StorageError.unavailable("\(error.code)\(underlying)")
            }
            let reason = "\(serverInfo[.message] ?? "no message") (SQLSTATE \(state))"
            switch state.prefix(2) {
            case "08", "28", "3D", "53", "57": return StorageError.unavailable(reason)
            case "22": return StorageError.invalidValue(reason)
            case "XX": return StorageError.corrupt(reason)
            default: return StorageError.failed(reason)
            }
        default:
            return StorageError.unavailable(String(describing: error))
        }
    }
}
