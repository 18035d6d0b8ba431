import Foundation
import Testing
import VectorSupport

#if canImport(Glibc)
import Glibc
#endif

/// `voltpass serve` stopped by SIGTERM under load loses no request (`scripts/shutdown-under-load.py`):
/// eight clients send `GET /health` back to back on kept-alive connections without ever checking them
/// (as a load generator does), two more send one request every 2.5 s and check a connection before
/// reusing it (as a connection pool does). After 300 answers the script sends SIGTERM. Every request
/// written onto a connection the server had not announced closing must get its complete response;
/// the busy clients each get a last response with `Connection: close`, the idle connections are
/// closed between requests, new connections are refused, and the process exits 0.
@Suite struct ServeShutdownTests {
    static let script = CLI.script("shutdown-under-load.py")

    static let busyClients = 8
    static let idleClients = 2

    @Test(.enabled(if: ReferencePython.canImport() || Vectors.required, "python3 is not installed; fails under CI=true"))
    func sigtermUnderLoadLosesNoRequest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-cli-shutdown-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServeProcess(dataDirectory: directory, port: try CLI.freePort())
        let run: ReferencePython.Run
        do {
            try await server.waitUntilListening()
            // Until every client has stopped.
            run = try await CLI.runPython(
                Self.script,
                arguments: [
                    "--port", String(server.port), "--pid", String(server.process.processIdentifier), "--busy", String(Self.busyClients),
                    "--idle", String(Self.idleClients),
                ])
        } catch {
            _ = try? await server.stop(signal: SIGKILL)
            throw error
        }
        let status = try await server.waitForExit()

        #expect(server.process.terminationReason == .exit && status == 0, "serve ended with \(status): \(server.log.suffix(2000))")
        #expect(run.status == 0, "\(run.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], "\(run.output)")
        let lost = try #require(report["lost"] as? [[String: Any]])
        #expect(lost.isEmpty, "requests lost: \(lost)")
        #expect(report["unfinished"] as? Int == 0)
        #expect((report["answered"] as? Int ?? 0) >= 300)
        // Each busy client was told to close with its last answer, which came after the signal.
        #expect((report["announcedClose"] as? Int ?? 0) >= Self.busyClients, "\(report)")
        #expect((report["answeredAfterSignal"] as? Int ?? 0) >= Self.busyClients, "\(report)")
        #expect(report["refused"] as? Int == Self.busyClients + Self.idleClients, "\(report)")
        print("voltpass serve stopped under load: \(run.output)")
    }
}
