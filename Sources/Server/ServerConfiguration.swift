import Foundation
import Identity
import Passport
import Ledger

/// How a Voltpass instance runs: where its data lives, where it listens, and its limits.
public struct ServerConfiguration: Sendable {
    /// The data directory: SQLite database, key files.
    public var dataDirectory: URL
    public var host: String
    public var port: Int
    /// The host (and port) under which this instance is reachable, used for its did:web DID.
    /// Defaults to `localhost:<port>`: did:web forbids IP addresses.
    public var publicHost: String
    /// A PostgreSQL URL; when set, state lives there instead of the embedded SQLite file.
    public var postgresURL: String?
    /// The largest request body accepted, in bytes.
    public var maxBodySize: Int
    /// How often operators' changed trie roots are anchored on the ledger; nil anchors on demand only.
    public var anchorInterval: Duration?
    /// What operators pay for signed readings, and how often.
    public var readingRewards: ReadingRewards
    /// The embedded ledger's rules (e.g. how long a commitment stays fresh).
    public var ledgerParameters: LedgerParameters
    /// The PKCS#11 token that holds new operator keys; nil keeps them in key files in the data directory.
    public var hsm: HSMConfiguration?

    public init(
        dataDirectory: URL, host: String = "127.0.0.1", port: Int = 8080, publicHost: String? = nil,
        postgresURL: String? = nil, maxBodySize: Int = 1 << 20, anchorInterval: Duration? = .seconds(10),
        readingRewards: ReadingRewards = ReadingRewards(), ledgerParameters: LedgerParameters = LedgerParameters(),
        hsm: HSMConfiguration? = nil
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.publicHost = publicHost ?? "localhost:\(port)"
        self.postgresURL = postgresURL
        self.maxBodySize = maxBodySize
        self.anchorInterval = anchorInterval
        self.readingRewards = readingRewards
        self.ledgerParameters = ledgerParameters
        self.hsm = hsm
    }
}
