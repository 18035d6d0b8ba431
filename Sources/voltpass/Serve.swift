import ArgumentParser
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

    func validate() throws {
        guard (6...10_000).contains(demoPacks) else { throw ValidationError("--demo-packs must be 6 to 10,000, not \(demoPacks)") }
        guard (pkcs11Module == nil) == (pkcs11Token == nil) else {
            throw ValidationError("--pkcs11-module and --pkcs11-token go together")
        }
        if pkcs11Module != nil, (ProcessInfo.processInfo.environment[Self.pinVariable] ?? "").isEmpty {
            throw ValidationError("--pkcs11-module needs the token's user PIN in the environment variable \(Self.pinVariable)")
        }
    }

    /// The HSM the options name, with the PIN taken from the environment and removed from it, so
    /// that no child process inherits it.
    func hsmConfiguration() -> HSMConfiguration? {
        guard let pkcs11Module, let pkcs11Token, let pin = ProcessInfo.processInfo.environment[Self.pinVariable] else { return nil }
        unsetenv(Self.pinVariable)
        return HSMConfiguration(modulePath: pkcs11Module, tokenLabel: pkcs11Token, pin: HSMPIN(pin))
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
        let configuration = ServerConfiguration(
            dataDirectory: URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL, host: host, port: port,
            publicHost: publicHost, postgresURL: postgres, hsm: hsmConfiguration())
        try FileManager.default.createDirectory(
            at: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])

        let storeConfiguration = StoreConfiguration(dataDirectory: configuration.dataDirectory, postgresURL: postgres)
        try await storeConfiguration.withStore(logger: logger) { store in
            let (server, report) = try await VoltpassServer.prepare(configuration: configuration, store: store)
            var lines = ["Voltpass operator \(report.did)", "  data:    \(report.dataDirectory.path) (\(report.storage))"]
            if let hsm = configuration.hsm { lines.append("  keys:    new keys in \(hsm)") }
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
                FileHandle.standardOutput.write(Data("  listening on http://\(configuration.host):\(port)\n".utf8))
            }
            try await application.runService()
        }
    }
}
