import Cardano
import CardanoChain
import Credentials
import Encoding
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
    /// The ledger's rules (e.g. how long a commitment stays fresh).
    public var ledgerParameters: LedgerParameters
    /// Where anchors, commitments, readings and rewards are recorded: the embedded ledger by default.
    public var ledger: LedgerChoice = .embedded
    /// The PKCS#11 token that holds new operator keys; nil keeps them in key files in the data directory.
    public var hsm: HSMConfiguration?
    /// Timeouts and the cap on open connections.
    public var connectionLimits: ConnectionLimits
    /// Per-client limit on the public writes (reading commitments and submissions, challenges, diagnostics).
    public var publicWriteLimit: RateLimit
    /// Per-client limit on failed authentications (unknown, revoked or expired tokens).
    public var failedAuthenticationLimit: RateLimit = RateLimit(requestsPerMinute: 10, burst: 20)
    /// Proxies whose `X-Forwarded-For` names the client for rate limiting; none by default.
    public var trustedProxies: [AddressRange]
    /// Hosts and address blocks that DID documents and status lists may be fetched from although they
    /// are not public (loopback, private, link-local, …, refused otherwise).
    public var outboundAllowList: [OutboundAllowance]
    /// The cryptosuite chosen per credential type (`serve --cryptosuite TYPE=SUITE`); the key's JCS
    /// suite for the others.
    public var cryptosuites = CryptosuitePolicy()
    /// The signed issuer registry (`serve --access-registry FILE`) of the authorities that issue role
    /// credentials (`PassportRoleCredential`) opening the passport's restricted access groups; without
    /// it every requester sees the public group.
    public var accessRegistry: JSONObject?
    /// Where EPCIS subscription webhooks (`dest`) may be delivered: https to public addresses only,
    /// unless this permits loopback over http (`serve --allow-webhook-loopback`, tests) or private
    /// hosts and blocks (`serve --allow-webhook HOST|CIDR`). Checked on creation and on every delivery.
    public var webhookDestinations = OutboundAccess()
    /// How webhook deliveries are paced and retried.
    public var subscriptionDelivery = SubscriptionDeliverySettings()

    /// 60 public writes a minute per client, 30 at once.
    public static let defaultPublicWriteLimit = RateLimit(requestsPerMinute: 60, burst: 30)

    public init(
        dataDirectory: URL, host: String = "127.0.0.1", port: Int = 8080, publicHost: String? = nil,
        postgresURL: String? = nil, maxBodySize: Int = 1 << 20, anchorInterval: Duration? = .seconds(10),
        readingRewards: ReadingRewards = ReadingRewards(), ledgerParameters: LedgerParameters = LedgerParameters(),
        hsm: HSMConfiguration? = nil, connectionLimits: ConnectionLimits = ConnectionLimits(),
        publicWriteLimit: RateLimit = defaultPublicWriteLimit, trustedProxies: [AddressRange] = [],
        outboundAllowList: [OutboundAllowance] = []
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
        self.connectionLimits = connectionLimits
        self.publicWriteLimit = publicWriteLimit
        self.trustedProxies = trustedProxies
        self.outboundAllowList = outboundAllowList
    }
}

extension ServerConfiguration {
    /// What operators' DID documents list besides their keys: on Cardano, the service's payment
    /// address, which signs every anchoring transaction.
    var operatorServices: [DIDService] {
        guard case .cardano(let settings) = ledger else { return [] }
        return [.cardanoPaymentAddress(settings.key.enterpriseAddress(network: settings.network).bech32)]
    }
}

/// The ledger a deployment records its anchors and the readings protocol on.
public enum LedgerChoice: Sendable {
    /// In the shared database on PostgreSQL, in the data directory on SQLite.
    case embedded
    /// On Cardano, through a chain backend, signed with the service's payment key.
    case cardano(CardanoSettings)
}

/// How a deployment reaches Cardano.
public struct CardanoSettings: Sendable {
    /// The backend (Ogmios) transactions are submitted to and UTxOs read from.
    public var chain: any ChainBackend
    /// The service's payment key: it pays fees and signs every ledger transaction.
    public var key: PaymentKey
    public var network: CardanoNetwork
    /// The network's name, as shown to verifiers (`preprod`, `preview`, `mainnet`).
    public var networkName: String
    /// How often the follower looks at the chain (transactions confirmed or dropped, anchors).
    public var followInterval: Duration

    public init(chain: any ChainBackend, key: PaymentKey, network: CardanoNetwork, networkName: String, followInterval: Duration = .seconds(20)) {
        self.chain = chain
        self.key = key
        self.network = network
        self.networkName = networkName
        self.followInterval = followInterval
    }
}
