import ArgumentParser
import Credentials
import Encoding
import Foundation
import Identity
import Logging
import Passport
import Server
import VoltpassDemo
import Storage

/// `voltpass serve`: runs the HTTP service until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Voltpass HTTP service (SQLite in the data directory unless --postgres is given).")

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "The data directory: database, key files.")
    var data: String = "data"

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port: Int = 8080

    @Option(help: "The host[:port] under which this instance is reachable; names its did:web DID. Default: localhost:<port>.")
    var publicHost: String?

    @Option(help: "A PostgreSQL URL (postgres://user:password@host:port/database) to keep state in instead of SQLite.")
    var postgres: String?

    @Option(help: "Log lines as readable text or as one JSON object per line.")
    var logFormat: LogFormat = .text

    @Option(help: "The lowest log level written (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "info"

    @Flag(help: "Seed a demo supply chain (a cell maker, a pack maker, an integrator, their packs and events) and print URLs to open; on a data directory that holds it already, only print them.")
    var demo = false

    @Option(help: "How many packs the demo provisions (6 to 10,000).")
    var demoPacks: Int = DemoScenario.defaultPackCount

    @Option(help: "A PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so): new operator keys are generated in its token. The user PIN is read from VOLTPASS_PKCS11_PIN.")
    var pkcs11Module: String?

    @Option(help: "The label of the PKCS#11 token that holds the operator keys (with --pkcs11-module).")
    var pkcs11Token: String?

    /// The environment variable the token's user PIN is read from (never an option: options show in `ps`).
    static let pinVariable = "VOLTPASS_PKCS11_PIN"

    @OptionGroup var ledgerOptions: LedgerOptions

    @Option(help: "Seconds between two runs of the anchoring cadence (the instance holding the anchoring lease anchors every trie root that moved).")
    var anchorInterval = 10

    @Option(help: "Seconds a client has to send a complete request head.")
    var headerReadTimeout: Int = Int(ConnectionLimits().headerReadTimeout.components.seconds)

    @Option(help: "Seconds a kept-alive connection may wait for its next request.")
    var idleTimeout: Int = Int(ConnectionLimits().idleTimeout.components.seconds)

    @Option(help: "Seconds a request body may pause before the request is answered 408.")
    var bodyReadTimeout: Int = Int(ConnectionLimits().bodyReadTimeout.components.seconds)

    @Option(help: "The most connections open at once.")
    var maxConnections: Int = ConnectionLimits().maximumConnections

    @Option(help: "Public writes (reading commitments and submissions, challenges, diagnostics) per client per minute.")
    var publicWriteRate: Int = ServerConfiguration.defaultPublicWriteLimit.requestsPerMinute

    @Option(help: "Public writes a client may make at once.")
    var publicWriteBurst: Int = ServerConfiguration.defaultPublicWriteLimit.burst

    @Option(name: .customLong("trusted-proxy"), help: "A proxy address or CIDR block whose X-Forwarded-For names the client (repeatable).")
    var trustedProxies: [String] = []

    @Option(
        name: .customLong("allow-outbound"),
        help: "A host or CIDR block that DID documents and status lists may be fetched from although it is loopback, private or link-local (repeatable).")
    var allowOutbound: [String] = []

    @Option(
        name: .customLong("allow-webhook"),
        help: "A host or CIDR block that EPCIS subscription webhooks may be delivered to although it is private or link-local (repeatable).")
    var allowWebhook: [String] = []

    @Flag(
        name: .customLong("allow-webhook-loopback"),
        help: "Let EPCIS subscription webhooks be delivered to loopback over plain http (local development).")
    var allowWebhookLoopback = false

    @Option(
        name: .customLong("cryptosuite"),
        help: """
            TYPE=SUITE: sign credentials of TYPE (e.g. BatteryDeviceCredential, VscObjectEventCredential) with SUITE \
            (eddsa-jcs-2022, eddsa-rdfc-2022 for Ed25519 keys; ecdsa-jcs-2019, ecdsa-rdfc-2019 for P-256 and P-384 keys); \
            repeatable. Others take the JCS suite of the operator's key.
            """)
    var cryptosuite: [String] = []

    @Option(
        help: """
            A signed issuer registry credential (file) listing the authorities whose PassportRoleCredentials \
            open the passport's restricted access groups (repairers, recyclers, notified bodies, …). Without it \
            every scan shows the public attributes.
            """)
    var accessRegistry: String?

    func validate() throws {
        guard (6...10_000).contains(demoPacks) else { throw ValidationError("--demo-packs must be 6 to 10,000, not \(demoPacks)") }
        guard (pkcs11Module == nil) == (pkcs11Token == nil) else {
            throw ValidationError("--pkcs11-module and --pkcs11-token go together")
        }
        if pkcs11Module != nil, (ProcessInfo.processInfo.environment[Self.pinVariable] ?? "").isEmpty {
            throw ValidationError("--pkcs11-module needs the token's user PIN in the environment variable \(Self.pinVariable)")
        }
        for (name, value) in [
            ("--anchor-interval", anchorInterval), ("--header-read-timeout", headerReadTimeout), ("--idle-timeout", idleTimeout), ("--body-read-timeout", bodyReadTimeout),
            ("--max-connections", maxConnections), ("--public-write-rate", publicWriteRate), ("--public-write-burst", publicWriteBurst),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1, not \(value)")
        }
        _ = try proxies()
        _ = try outboundAllowList()
        _ = try webhookAllowList()
        _ = try cryptosuites()
    }

    private func cryptosuites() throws -> CryptosuitePolicy {
        guard let policy = CryptosuitePolicy(choices: cryptosuite) else {
            throw ValidationError(
                "--cryptosuite takes TYPE=SUITE with SUITE one of \(Cryptosuite.directlyVerifiable.map(\.rawValue).joined(separator: ", "))")
        }
        return policy
    }

    /// The HSM the options name, with the PIN taken from the environment and removed from it, so
    /// that no child process inherits it.
    func hsmConfiguration() -> HSMConfiguration? {
        guard let pkcs11Module, let pkcs11Token, let pin = ProcessInfo.processInfo.environment[Self.pinVariable] else { return nil }
        unsetenv(Self.pinVariable)
        return HSMConfiguration(modulePath: pkcs11Module, tokenLabel: pkcs11Token, pin: HSMPIN(pin))
    }

    private func proxies() throws -> [AddressRange] {
        try trustedProxies.map { text in
            guard let range = AddressRange(text) else { throw ValidationError("--trusted-proxy '\(text)' is not an address or CIDR block") }
            return range
        }
    }

    private func outboundAllowList() throws -> [OutboundAllowance] {
        try allowOutbound.map { text in
            guard let allowance = OutboundAllowance(text) else { throw ValidationError("--allow-outbound '\(text)' is not a host name, address or CIDR block") }
            return allowance
        }
    }

    private func webhookAllowList() throws -> [OutboundAllowance] {
        try allowWebhook.map { text in
            guard let allowance = OutboundAllowance(text) else { throw ValidationError("--allow-webhook '\(text)' is not a host name, address or CIDR block") }
            return allowance
        }
    }

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "voltpass")
        var configuration = ServerConfiguration(
            dataDirectory: URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL, host: host, port: port,
            publicHost: publicHost, postgresURL: postgres, anchorInterval: .seconds(anchorInterval), hsm: hsmConfiguration(),
            connectionLimits: ConnectionLimits(
                headerReadTimeout: .seconds(headerReadTimeout), idleTimeout: .seconds(idleTimeout), bodyReadTimeout: .seconds(bodyReadTimeout),
                maximumConnections: maxConnections),
            publicWriteLimit: RateLimit(requestsPerMinute: publicWriteRate, burst: publicWriteBurst), trustedProxies: try proxies(),
            outboundAllowList: try outboundAllowList())
        configuration.ledger = try ledgerOptions.choice()
        configuration.cryptosuites = try cryptosuites()
        configuration.webhookDestinations = OutboundAccess(allowLoopbackHTTP: allowWebhookLoopback, allowList: try webhookAllowList())
        if let accessRegistry {
            guard let data = FileManager.default.contents(atPath: accessRegistry), let document = try? JSONValue(parsing: Array(data)).objectValue
            else { throw ValidationError("--access-registry \(accessRegistry) is not a readable JSON credential") }
            configuration.accessRegistry = document
        }
        try FileManager.default.createDirectory(
            at: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])

        let storeConfiguration = StoreConfiguration(dataDirectory: configuration.dataDirectory, postgresURL: postgres)
        try await storeConfiguration.withStore(logger: logger) { store in
            let (server, report) = try await VoltpassServer.prepare(configuration: configuration, store: store)
            var lines = ["Voltpass operator \(report.did)", "  data:    \(report.dataDirectory.path) (\(report.storage))"]
            if let token = report.adminToken {
                lines.append("  admin token (shown once, keep it safe): \(token)")
            }
            // Written and flushed at once: the token must not sit in a buffer if the process is stopped.
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            if demo {
                let scenario = DemoScenario(server: server, packCount: demoPacks)
                if !FileManager.default.fileExists(atPath: scenario.recordURL.path) {
                    FileHandle.standardOutput.write(Data("  seeding the demo (\(demoPacks) packs)…\n".utf8))
                }
                do {
                    let demoReport = try await scenario.run()
                    let command = Bundle.main.executablePath ?? "voltpass"
                    FileHandle.standardOutput.write(Data((demoReport.text(voltpass: command) + "\n").utf8))
                } catch let error as PassportError where error.code == "demo_incomplete" {
                    // Still a working service; only the demo is missing.
                    logger.warning("no demo", metadata: ["reason": "\(error.message)"])
                }
            }
            let application = server.application(logger: logger) { port in
                FileHandle.standardOutput.write(Data("  listening on http://\(host):\(port)\n".utf8))
            }
            try await application.runService()
        }
    }
}
