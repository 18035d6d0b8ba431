import Credentials
import EPCIS
import Encoding
import Foundation
import Hummingbird
import Identity
import Ledger
import Logging
import Metrics
import Passport
import Readings
import ServiceLifecycle
import Storage
import Trie

/// What a started instance tells its operator.
public struct StartupReport: Sendable {
    public let did: String
    /// The admin token secret, present only on the start that created it.
    public let adminToken: String?
    public let storage: String
    public let dataDirectory: URL
}

/// A Voltpass HTTP service over a store: bootstraps the operator identity and builds the router.
public struct VoltpassServer: Sendable {
    public let configuration: ServerConfiguration
    public let store: any VoltpassStore
    public let operatorKeys: OperatorKeys
    public let resolver: any DIDResolver
    /// Single-use challenges handed out by `POST /challenges`, kept in the store so that any instance
    /// sharing it accepts each once.
    public let challenges: any SingleUseChallenges
    let statusLists: OperatorStatusLists
    let storageKind: String
    /// The battery passport service over the registered operators, their tries and the ledger.
    public let passports: PassportService
    /// The signed-readings protocol over the passports and the ledger.
    public let readings: ReadingService
    /// The embedded ledger: in the shared database on PostgreSQL, in the data directory on SQLite.
    let ledger: any Ledger
    /// This instance's hold on its data directory, on PostgreSQL (on SQLite the ledger file's lock holds it).
    let instanceLock: InstanceLock?
    /// The open connections of the HTTP edge, against the configured cap.
    public let connections: ConnectionLimiter
    /// Who opens the passport's restricted access groups, when an access registry is configured.
    let passportAccess: PassportAccess?
    /// The key of the EPCIS binding's page tokens, drawn when the instance starts.
    let pageTokens = EPCISPageTokens()
    /// The deliverer of EPCIS query subscriptions (it runs on the instance holding its lease).
    let subscriptions: SubscriptionDelivery

    /// Refuses to start when a chosen cryptosuite cannot sign with the operator's current key
    /// (`cryptosuite_key_mismatch`), rather than refusing every issuance later.
    static func checkCryptosuites(_ policy: CryptosuitePolicy, fit operatorKeys: OperatorKeys) async throws {
        // From the key records: the secret is not loaded before it signs something.
        guard let algorithm = try await operatorKeys.history().last(where: { $0.validUntil == nil })?.algorithm else { return }
        let mismatches = policy.mismatches(for: algorithm)
        guard mismatches.isEmpty else {
            throw ConfigurationError(
                code: "cryptosuite_key_mismatch",
                message: "--cryptosuite \(mismatches.joined(separator: ", ")) cannot sign with the operator's \(algorithm.rawValue) key")
        }
    }

    /// Prepares the instance on `store`: on first start the operator key, its DID document and an admin token.
    /// With `configuration.hsm` set, the token is opened (and logged in) first and new keys are generated in it.
    /// Returns the server and the report to show (with the admin token secret when it was created now).
    /// `faults` lets crash tests stop a write at a named step; `clock` is the time every service uses.
    public static func prepare(
        configuration: ServerConfiguration, store: any VoltpassStore, resolver: (any DIDResolver)? = nil,
        faults: any FaultInjector = NoFaults(), clock: @escaping @Sendable () -> Date = Date.init
    ) async throws -> (VoltpassServer, StartupReport) {
        let did = try OperatorKeys.did(publicHost: configuration.publicHost)
        let keyCustody = try KeyCustody.opening(configuration.hsm)
        let operatorKeys = OperatorKeys(
            did: did, store: store, dataDirectory: configuration.dataDirectory, custody: keyCustody, now: clock)
        _ = try await operatorKeys.bootstrap()
        try await Self.checkCryptosuites(configuration.cryptosuites, fit: operatorKeys)
        let adminToken = try await Self.createFirstAdminToken(in: store, at: clock())
        let storageKind = configuration.postgresURL == nil ? "sqlite" : "postgresql"
        let instanceLock = store.sharedLedgerRecords == nil ? nil : try InstanceLock(dataDirectory: configuration.dataDirectory)
        let ledger = try await openLedger(configuration: configuration, store: store)
        let passports = PassportService(
            store: store,
            operators: OperatorDirectory(
                store: store, statusListRepository: store.statusLists, dataDirectory: configuration.dataDirectory,
                keyCustody: keyCustody, publicHost: configuration.publicHost, services: configuration.operatorServices, now: clock),
            tries: OperatorTries(store: store.operatorTries, clock: clock), ledger: ledger, writer: OperatorWriter(),
            resolverBase: OperatorStatusLists.publicBaseURL(configuration.publicHost), diagnostics: StoredChallenges(repository: store, purpose: "diagnostics", now: clock),
            verificationCache: PassportVerificationCache(), faults: faults, cryptosuites: configuration.cryptosuites, now: clock)
        try await passports.operators.refreshDocuments()
        let challenges = StoredChallenges(repository: store, purpose: "presentation", now: clock)
        let didResolver =
            resolver ?? CachingDIDResolver(MethodDispatchResolver(web: DIDWebResolver(configuration: .init(allowList: configuration.outboundAllowList))))
        var passportAccess: PassportAccess?
        if let document = configuration.accessRegistry {
            passportAccess = try await Self.accessRegistry(
                document, resolver: OperatorDIDResolver(operatorKeys: operatorKeys, base: didResolver), now: clock)
        }
        let server = VoltpassServer(
            configuration: configuration, store: store, operatorKeys: operatorKeys,
            resolver: didResolver,
            challenges: challenges,
            statusLists: OperatorStatusLists(
                repository: store.statusLists, operatorKeys: operatorKeys, publicHost: configuration.publicHost),
            storageKind: storageKind, passports: passports,
            readings: ReadingService(
                passports: passports,
                gates: ReadingGates(maxAgeSlots: configuration.ledgerParameters.maxAgeSlots, cooldownSlots: configuration.readingRewards.cooldownSlots),
                rewards: configuration.readingRewards,
                plans: store, leases: store,
                holder: Lease.holder(dataDirectory: configuration.dataDirectory), challenges: challenges),
            ledger: ledger, instanceLock: instanceLock, connections: ConnectionLimiter(maximum: configuration.connectionLimits.maximumConnections),
            passportAccess: passportAccess,
            subscriptions: SubscriptionDelivery(
                store: store, access: configuration.webhookDestinations, settings: configuration.subscriptionDelivery,
                holder: Lease.holder(dataDirectory: configuration.dataDirectory), now: clock))
        try await StatusListPublisher.publishPending(
            in: store.statusLists, instanceLists: server.statusLists, operators: passports.operators)
        let report = StartupReport(
            did: did, adminToken: adminToken, storage: storageKind, dataDirectory: configuration.dataDirectory)
        return (server, report)
    }

    /// The access registry, verified and trusted as issued by its own issuer (the operator chose the
    /// file); one that does not verify stops the start (`access_registry_invalid`).
    static func accessRegistry(_ document: JSONObject, resolver: any DIDResolver, now: @escaping @Sendable () -> Date) async throws -> PassportAccess {
        let authority = document["issuer"]?.stringValue ?? document["issuer"]?["id"]?.stringValue ?? ""
        do {
            return PassportAccess(registry: try await IssuerRegistry.verified(document, authority: authority, resolver: resolver, now: now))
        } catch {
            throw ConfigurationError(code: "access_registry_invalid", message: "the access registry cannot be used: \(error.message)")
        }
    }

    /// Creates an admin token when none exists yet and returns its secret (shown once, stored hashed).
    /// It lives as long as the longest token may.
    static func createFirstAdminToken(in tokens: any AccessTokenRepository, at date: Date) async throws -> String? {
        guard try await tokens.tokens().isEmpty else { return nil }
        let secret = BearerToken.generateSecret()
        try await tokens.saveToken(
            AccessTokenRecord(
                id: UUID().uuidString.lowercased(), secretHash: BearerToken.hash(secret), role: .admin,
                label: "created on first start", createdAt: date,
                expiresAt: date.addingTimeInterval(Double(AdminRoutes.maximumLifetimeDays) * 86_400)))
        return secret
    }

    /// The router with every route group and the shared middleware.
    public func router() -> Router<VoltpassRequestContext> {
        let router = Router(context: VoltpassRequestContext.self)
        let idempotency = IdempotencyKeys(store: store, now: passports.now)
        // Bootstraps swift-metrics before the middleware makes its first counters.
        _ = VoltpassMetrics.registry
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: BodyLimitMiddleware(limit: configuration.maxBodySize))
        let clients = ClientIdentification(trustedProxies: configuration.trustedProxies)
        let publicWrites = RateLimitMiddleware(limiter: ClientRateLimiter(configuration.publicWriteLimit), clients: clients)
        let authenticator = Authenticator(tokens: store, failures: FailedAuthentications(clients: clients, limit: configuration.failedAuthenticationLimit), now: passports.now)
        HealthRoutes(store: store, storageKind: storageKind, operatorDID: operatorKeys.did).add(to: router)
        MetricsRoutes(passports: passports, store: store).add(to: router)
        DIDRoutes(operatorKeys: operatorKeys, resolver: resolver).add(to: router)
        ContextRoutes().add(to: router)
        AdminRoutes(
            tokens: store, authenticator: authenticator, idempotency: idempotency, operatorKeys: operatorKeys, operators: passports.operators,
            maxBodySize: configuration.maxBodySize,
            now: passports.now
        ).add(to: router)
        TrieRoutes(tries: passports.tries).add(to: router)
        let verification = ServiceVerification(
            resolver: OperatorDIDResolver(operatorKeys: operatorKeys, base: resolver), statusLists: statusLists,
            remoteStatusLists: HTTPStatusListFetcher(configuration: .init(allowList: configuration.outboundAllowList)))
        CredentialRoutes(
            operatorKeys: operatorKeys, credentials: store, statusLists: statusLists, verification: verification, changes: store,
            authenticator: authenticator, idempotency: idempotency, cryptosuites: passports.cryptosuites, maxBodySize: configuration.maxBodySize,
            now: passports.now
        ).add(to: router)
        PresentationRoutes(challenges: challenges, verification: verification, publicWrites: publicWrites, maxBodySize: configuration.maxBodySize)
            .add(to: router)
        StatusListRoutes(
            lists: statusLists, credentials: store, changes: store, authenticator: authenticator, idempotency: idempotency,
            maxBodySize: configuration.maxBodySize, now: passports.now
        ).add(to: router)
        EPCISRoutes(
            store: store, capture: epcisCapture(), changes: store, verification: verification, authenticator: authenticator, idempotency: idempotency,
            maxBodySize: configuration.maxBodySize, now: passports.now
        ).add(to: router)
        let binding = epcisBinding(authenticator: authenticator, idempotency: idempotency)
        binding.add(to: router)
        EPCISSubscriptionRoutes(
            binding: binding, store: store, destinations: configuration.webhookDestinations, resolver: SystemHostNameResolver(),
            maxBodySize: configuration.maxBodySize, now: passports.now
        ).add(to: router)
        PassportRoutes(
            service: passports, authenticator: authenticator, idempotency: idempotency, publicWrites: publicWrites, maxBodySize: configuration.maxBodySize,
            verification: verification, access: passportAccess.map { PassportAccessRoutes(access: $0, challenges: challenges, verification: verification) }
        ).add(to: router)
        ReadingRoutes(service: readings, authenticator: authenticator, idempotency: idempotency, publicWrites: publicWrites, maxBodySize: configuration.maxBodySize).add(to: router)
        LedgerRoutes(ledger: ledger).add(to: router)
        return router
    }

    /// The EPCIS 2.0 REST binding's routes over this instance's store.
    private func epcisBinding(authenticator: Authenticator, idempotency: IdempotencyKeys) -> EPCISBindingRoutes {
        EPCISBindingRoutes(
            store: store, capture: epcisCapture(), authenticator: authenticator, idempotency: idempotency, subscriptions: subscriptions,
            pageTokens: pageTokens, maxBodySize: configuration.maxBodySize, now: passports.now)
    }

    /// Runs one capture job of `document` to its end as `POST /epcis/2.0/capture` does for the
    /// operator (validate, sign, store the events and the job in one transaction), without HTTP.
    public func runEPCISCaptureJob(_ document: JSONValue, behaviour: CaptureJob.ErrorBehaviour = .rollback) async throws -> CaptureJob {
        let authenticator = Authenticator(
            tokens: store, failures: FailedAuthentications(clients: ClientIdentification(trustedProxies: configuration.trustedProxies),
                limit: configuration.failedAuthenticationLimit), now: passports.now)
        return try await epcisBinding(authenticator: authenticator, idempotency: IdempotencyKeys(store: store, now: passports.now))
            .runJob(document, behaviour: behaviour)
    }

    /// The WebSocket subscriptions of the EPCIS binding, admitted by the server's HTTP/1 channel (with
    /// a budget of failed authentications of their own).
    func webSocketSubscriptions() -> EPCISWebSocketSubscriptions {
        let clients = ClientIdentification(trustedProxies: configuration.trustedProxies)
        let authenticator = Authenticator(
            tokens: store, failures: FailedAuthentications(clients: clients, limit: configuration.failedAuthenticationLimit), now: passports.now)
        return EPCISWebSocketSubscriptions(
            binding: epcisBinding(authenticator: authenticator, idempotency: IdempotencyKeys(store: store, now: passports.now)), store: store,
            captures: subscriptions.captures, pollInterval: configuration.subscriptionDelivery.pollInterval, now: passports.now)
    }

    /// The EPCIS capture service over this instance's store, signing with the operator's key.
    public func epcisCapture() -> EventCapture {
        EventCapture(
            events: store, operatorKeys: operatorKeys, statusLists: EventStatusLists(lists: statusLists), cryptosuites: passports.cryptosuites,
            now: passports.now)
    }

    /// The deployment's ledger: Cardano when configured (its journal in the data directory); otherwise
    /// every instance on one PostgreSQL database shares the ledger in it, and an SQLite instance keeps
    /// its own in the data directory.
    private static func openLedger(
        configuration: ServerConfiguration, store: any VoltpassStore
    ) async throws -> any Ledger {
        if case .cardano(let settings) = configuration.ledger {
            return try await CardanoLedger(
                directory: CardanoLedger.directory(inData: configuration.dataDirectory), chain: settings.chain, key: settings.key,
                network: settings.network, networkName: settings.networkName, parameters: configuration.ledgerParameters)
        }
        if let records = store.sharedLedgerRecords {
            return try await DatabaseLedger(records: records, parameters: configuration.ledgerParameters)
        }
        return try LocalLedger(
            directory: LocalLedger.directory(inData: configuration.dataDirectory), parameters: configuration.ledgerParameters)
    }

    /// Releases the ledger (its file's directory on SQLite; the process may end without it, the next
    /// open recovers).
    public func close() async {
        await ledger.close()
        instanceLock?.release()
    }

    /// Anchoring every operator whose trie moved (on the configured cadence, by the one instance that
    /// holds the anchoring lease), and signing status lists a crash left unpublished (every 5 s).
    func periodicTasks(logger: Logger) -> [PeriodicTask] {
        let (passports, store, statusLists) = (passports, store, statusLists)
        let publishing = PeriodicTask(name: "publishing status lists", interval: .seconds(5), logger: logger) {
            let count = try await StatusListPublisher.publishPending(
                in: store.statusLists, instanceLists: statusLists, operators: passports.operators)
            if count > 0 { logger.notice("signed status lists left unpublished", metadata: ["lists": "\(count)"]) }
            return nil
        }
        var tasks = [publishing]
        if case .cardano(let settings) = configuration.ledger, let cardano = ledger as? CardanoLedger {
            tasks.append(Self.following(cardano, every: settings.followInterval, logger: logger))
        }
        guard let interval = configuration.anchorInterval else { return tasks }
        let lease = Lease(
            name: "anchoring", holder: Lease.holder(dataDirectory: configuration.dataDirectory), duration: interval * 3 / 2, repository: store,
            now: passports.now)
        var anchoring = PeriodicTask(name: "anchoring", interval: interval, logger: logger) {
            // Another instance leads: look again in half a period, so a dead leader's lease (one and a
            // half periods) is taken over within two periods of its last renewal.
            guard try await lease.acquire() else { return interval / 2 }
            let anchored = try await passports.anchorAll()
            if anchored > 0 { logger.info("anchored trie roots", metadata: ["operators": "\(anchored)"]) }
            return nil
        }
        anchoring.finish = { try? await lease.release() }
        return [anchoring] + tasks
    }

    /// Following the chain when the ledger is on Cardano: submitted transactions confirmed or dropped,
    /// anchors on chain against the ones recorded (gauges `voltpass_cardano_*`).
    static func following(_ ledger: CardanoLedger, every interval: Duration, logger: Logger) -> PeriodicTask {
        PeriodicTask(name: "following the chain", interval: interval, logger: logger) {
            let report = try await ledger.follow()
            _ = VoltpassMetrics.registry
            Gauge(label: "voltpass_cardano_tip_slot").record(Double(report.tip))
            Gauge(label: "voltpass_cardano_transactions_pending").record(Double(report.pending))
            Gauge(label: "voltpass_cardano_ledger_diverged").record(Double(report.dropped == nil ? 0 : 1))
            Gauge(label: "voltpass_cardano_anchors_behind").record(Double(report.anchorsBehind.count))
            if let dropped = report.dropped {
                logger.error("a ledger transaction expired without reaching the chain; writes stop", metadata: ["transaction": "\(dropped.hex)"])
            }
            return nil
        }
    }

    /// The application listening on the configured host and port, with the configured connection
    /// limits; `runService()` runs it until SIGINT or SIGTERM and then shuts down gracefully.
    public func application(logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        Application(
            router: router(),
            server: .guardedHTTP1(
                limits: configuration.connectionLimits, connections: connections, webSockets: webSocketSubscriptions().admission),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "voltpass"),
            services: periodicTasks(logger: logger).map { $0 as any Service } + [SubscriptionDeliveryService(delivery: subscriptions, logger: logger)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
