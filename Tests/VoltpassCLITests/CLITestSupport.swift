import Foundation
import Storage
import Server
import VectorSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `voltpass` executable as a user would.
enum CLI {
    /// A script in the repository's `scripts/` folder.
    static func script(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/\(name)")
    }

    /// Runs the Python script at `url` with `arguments` to its end, on a thread of its own (it blocks,
    /// so it is kept off the cooperative threads).
    static func runPython(_ url: URL, arguments: [String]) async throws -> ReferencePython.Run {
        let script = try String(contentsOf: url, encoding: .utf8)
        return try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try ReferencePython.run(script, arguments: arguments) }) }.start()
        }
    }

    /// The `voltpass` binary next to the test bundle in the build folder.
    static var executable: URL {
        get throws {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
            ].map { $0.appendingPathComponent("voltpass") }
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw CLIError("voltpass executable not found in \(candidates.map(\.path))")
            }
            return found
        }
    }

    struct Result {
        let status: Int32
        let output: String
        let error: String
        /// Whether a signal ended the process (`status` is then the signal's number).
        var killed = false
    }

    /// Runs `voltpass arguments…` to completion, with `environment` added to this process's. The wait
    /// happens on a thread of its own: blocking one of the few cooperative threads for the seconds a
    /// process takes would stall every other test running meanwhile (servers answering late, clients
    /// timing out).
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try runBlocking(arguments, environment: environment) }) }.start()
        }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String]) throws -> Result {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readToEndRetryingInterrupts()
        let errorData = error.fileHandleForReading.readToEndRetryingInterrupts()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self), killed: process.terminationReason == .uncaughtSignal)
    }

    /// A free TCP port on 127.0.0.1 (bound, read back, released).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw CLIError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw CLIError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw CLIError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A running `voltpass serve` process whose standard output is collected as it arrives.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let lock = NSLock()
    private var collectedOutput = ""
    private var collectedLog = ""

    /// Starts `voltpass serve` on `dataDirectory` and `port`, with `options` added to its arguments.
    init(dataDirectory: URL, port: Int, options: [String] = []) throws {
        self.port = port
        process.executableURL = try CLI.executable
        process.arguments = ["serve", "--data", dataDirectory.path, "--port", String(port), "--log-format", "json"] + options
        let output = Pipe()
        let log = Pipe()
        process.standardOutput = output
        process.standardError = log
        // Each pipe is drained by a thread of its own with blocking reads until end of file (the
        // process exited or was killed). Not with `readabilityHandler`: tearing down a pipe whose
        // dispatch read source is still being cancelled can leave libdispatch's epoll loop a
        // dangling note, which crashed the whole test process (signal 11 in `_dispatch_event_loop_drain`).
        Self.drain(output.fileHandleForReading) { [weak self] text in self?.lock.withLock { self?.collectedOutput += text } }
        Self.drain(log.fileHandleForReading) { [weak self] text in self?.lock.withLock { self?.collectedLog += text } }
        try process.run()
    }

    /// Reads `handle` on a thread of its own until end of file, handing each chunk to `append`.
    private static func drain(_ handle: FileHandle, _ append: @escaping @Sendable (String) -> Void) {
        Thread { handle.readChunksRetryingInterrupts { append(String(decoding: $0, as: UTF8.self)) } }.start()
    }

    /// What the server printed on standard output.
    var output: String { lock.withLock { collectedOutput } }
    /// What the server logged on standard error.
    var log: String { lock.withLock { collectedLog } }

    /// Waits (bounded) until the server says it listens.
    func waitUntilListening() async throws {
        for _ in 0..<200 where !output.contains("listening on") {
            guard process.isRunning else { throw CLIError("serve exited early: \(output)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard output.contains("listening on") else { throw CLIError("serve did not start: \(output)") }
    }

    /// Sends `signal` and waits (bounded) for the process to exit; returns its status.
    func stop(signal: Int32) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        return try await waitForExit()
    }

    /// Waits up to 10 s for the process to exit (it is killed otherwise); returns its status.
    func waitForExit() async throws -> Int32 {
        for _ in 0..<200 where process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        guard !process.isRunning else {
            process.terminate()
            throw CLIError("serve did not stop within 10 s")
        }
        return process.terminationStatus
    }

    /// Sends a request to the server over loopback; returns status and body.
    func request(_ method: String, _ path: String, body: String? = nil, token: String? = nil) async throws
        -> (status: Int, body: [String: Any])
    {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw CLIError("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A prepared Voltpass server on `directory`'s SQLite store (no HTTP, anchoring on demand), for the
/// tests that set data up in process and then run the CLI on it; closed afterwards.
func withPreparedServer(_ directory: URL, ledger: LedgerChoice = .embedded, _ body: (VoltpassServer) async throws -> Void) async throws {
    var configuration = ServerConfiguration(dataDirectory: directory, anchorInterval: nil)
    configuration.ledger = ledger
    try await StoreConfiguration(dataDirectory: directory).withStore { store in
        let (server, _) = try await VoltpassServer.prepare(configuration: configuration, store: store)
        do {
            try await body(server)
        } catch {
            await server.close()
            throw error
        }
        await server.close()
    }
}
