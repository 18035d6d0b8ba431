import Foundation
import PostgresNIO

/// The parts of a `postgres://user:password@host:port/database?sslmode=…` URL.
///
/// `sslmode` follows libpq: `disable`; `prefer` (the default) and `require` encrypt without checking the
/// certificate; `verify-ca` checks the chain; `verify-full` also checks the host name.
struct PostgresURL: Sendable {
    enum SSLMode: String, Sendable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var sslMode: SSLMode

    /// Parses `string`; error messages never repeat the password.
    init(_ string: String) throws {
        guard let components = URLComponents(string: string), let scheme = components.scheme else {
            throw StorageError.invalidDatabaseURL("it is not a URL of the form postgres://user:password@host:port/database")
        }
        guard ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw StorageError.invalidDatabaseURL("the scheme must be postgres or postgresql, not '\(scheme)'")
        }
        guard var host = components.host, !host.isEmpty else {
            throw StorageError.invalidDatabaseURL("it names no host")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard let username = components.user, !username.isEmpty else {
            throw StorageError.invalidDatabaseURL("it names no user")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw StorageError.invalidDatabaseURL("the port \(port) is out of range")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.contains("/") else {
            throw StorageError.invalidDatabaseURL("the path must be a single database name")
        }
        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw StorageError.invalidDatabaseURL("the parameter '\(item.name)' is not supported (only sslmode)")
            }
            guard let value = item.value, let mode = SSLMode(rawValue: value) else {
                throw StorageError.invalidDatabaseURL(
                    "sslmode must be disable, prefer, require, verify-ca or verify-full, not '\(item.value ?? "")'")
            }
            sslMode = mode
        }
        self.host = host
        self.port = port
        self.username = username
        self.password = components.password
        self.database = path.isEmpty ? nil : path
        self.sslMode = sslMode
    }

    var tlsConfiguration: TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return nil
        case .prefer, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        return configuration
    }

    /// Connections the pool opens at most: two per core, at least 4. More only make PostgreSQL's
    /// backends and this process take turns on the same cores (on 2 cores, 20 gave about a tenth less
    /// verification throughput and a p99 of 13–14 ms against 8–11 ms; BENCHMARKS.md).
    static let poolSize = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)

    /// The pool's configuration; `startupParameters` are sent on every connection (e.g. search_path).
    func clientConfiguration(startupParameters: [(String, String)]) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (sslMode, tlsConfiguration) {
            case (.prefer, let configuration?): .prefer(configuration)
            case (_, let configuration?): .require(configuration)
            case (_, nil): .disable
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = startupParameters
        configuration.options.maximumConnections = Self.poolSize
        return configuration
    }

    /// The configuration of a single connection outside the pool.
    func connectionConfiguration(startupParameters: [(String, String)]) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls =
                switch (sslMode, tlsConfiguration) {
                case (.prefer, let configuration?): .prefer(try NIOSSLContext(configuration: configuration))
                case (_, let configuration?): .require(try NIOSSLContext(configuration: configuration))
                case (_, nil): .disable
                }
        } catch {
            throw StorageError.unavailable("cannot set up TLS: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }
}
