import Foundation
import VectorSupport
import Identity

/// SoftHSM2 (Debian package `softhsm2`) as the PKCS#11 module of the HSM tests.
///
/// SoftHSM reads its configuration (`SOFTHSM2_CONF`, naming the token directory) once, when the
/// module is initialized, and Cryptoki is initialized once per process. So every token the tests use
/// is created up front, in one temporary directory, before any test opens the module: the first call
/// to ``configuration(_:)`` does it for the whole process. Each suite uses its own token, so suites
/// running in parallel never share a login state.
///
/// Tests that need it are enabled with ``shouldRun``: skipped with a note when SoftHSM2 is not
/// installed, except under `CI=true`, where they run and fail.
public enum SoftHSM {
    /// The tokens created for the tests.
    public enum Token: String, CaseIterable, Sendable {
        case identity, credentials, server
        /// Only ever opened with a wrong PIN: no other test logs in to it.
        case wrongPIN = "wrong-pin"

        /// The token's label.
        public var label: String { "voltpass-\(rawValue)" }
    }

    /// The user PIN of every test token.
    public static let pin = "4711-test-user-pin"
    private static let securityOfficerPIN = "4711-test-so-pin"

    /// The SoftHSM2 module, where Debian and Homebrew install it.
    public static let modulePath: String? = [
        "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so",
        "/opt/homebrew/lib/softhsm/libsofthsm2.so",
    ].first { FileManager.default.fileExists(atPath: $0) }

    /// `softhsm2-util`, which initializes tokens.
    public static let utility: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        .split(separator: ":").map { "\($0)/softhsm2-util" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// True under CI, where a missing SoftHSM2 is a failure rather than a skip.
    public static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether the HSM tests should run at all.
    public static var shouldRun: Bool { (modulePath != nil && utility != nil) || required }

    /// How to open `token`: the SoftHSM2 module, the token's label and its user PIN.
    public static func configuration(_ token: Token) throws -> HSMConfiguration {
        HSMConfiguration(modulePath: try prepared.get(), tokenLabel: token.label, pin: HSMPIN(pin))
    }

    /// The module path once every token exists, or why they could not be created.
    private static let prepared: Result<String, any Error> = Result { try createTokens() }

    /// The temporary directory of this process's tokens, removed when the process exits.
    nonisolated(unsafe) private static var directory: URL?

    private static func createTokens() throws -> String {
        guard let modulePath, let utility else {
            throw SoftHSMError("SoftHSM2 is not installed (Debian package softhsm2: module and softhsm2-util)")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-softhsm-\(UUID().uuidString)")
        let tokens = root.appendingPathComponent("tokens", isDirectory: true)
        try FileManager.default.createDirectory(at: tokens, withIntermediateDirectories: true)
        directory = root
        atexit { if let directory = SoftHSM.directory { try? FileManager.default.removeItem(at: directory) } }
        let configuration = root.appendingPathComponent("softhsm2.conf")
        try Data(
            """
            directories.tokendir = \(tokens.path)
            objectstore.backend = file
            log.level = ERROR
            slots.removable = false

            """.utf8
        ).write(to: configuration)
        // Process-wide, before the module is initialized; softhsm2-util inherits it too.
        setenv("SOFTHSM2_CONF", configuration.path, 1)
        for token in Token.allCases {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: utility)
            process.arguments = [
                "--init-token", "--free", "--label", token.label, "--pin", pin, "--so-pin", securityOfficerPIN,
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readToEndRetryingInterrupts(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw SoftHSMError("softhsm2-util could not create the token \(token.label): \(text)")
            }
        }
        return modulePath
    }
}

/// Why the SoftHSM2 tokens are not there.
public struct SoftHSMError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
