import Foundation

/// Runs python3 as an independent reference implementation (hashlib, base64, cbor2, cryptography).
/// Tests that need it are skipped when python3 or a module is missing, except under `CI=true`,
/// where they run and fail.
public enum ReferencePython {
    /// What a python3 run printed and how it ended.
    public struct Run: Sendable {
        public let status: Int32
        public let output: String
        public let error: String

        /// Standard output split into lines, without the final empty one.
        public var lines: [String] {
            var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }
    }

    /// Whether python3 runs here and can import every module named.
    /// The start of a pycose script run as `script MODE ALG …`: the imports, `mode` and `alg` (EdDSA,
    /// ES256 or ES384) from the arguments, `h` (hex to bytes), `key(public, secret=None)` (a pycose
    /// key of `alg` from Voltpass's raw public key and secret) and `plain` (cbor2 6's tuples and
    /// frozen maps as the lists and dicts pycose wants).
    public static let pycosePrelude = """
        import sys, cbor2, collections.abc as abc
        from pycose.messages import Sign1Message
        from pycose.keys import OKPKey, EC2Key
        from pycose.keys.curves import Ed25519, P256, P384
        from pycose.headers import Algorithm, KID
        from pycose.algorithms import EdDSA, Es256, Es384
        from cryptography.hazmat.primitives.asymmetric import ec
        mode, alg = sys.argv[1], sys.argv[2]
        h = lambda s: bytes.fromhex(s)
        def key(public, secret=None):
            if alg == 'EdDSA':
                return OKPKey(crv=Ed25519, x=public, d=secret) if secret else OKPKey(crv=Ed25519, x=public)
            curve, crv, size = (ec.SECP256R1(), P256, 32) if alg == 'ES256' else (ec.SECP384R1(), P384, 48)
            n = ec.EllipticCurvePublicKey.from_encoded_point(curve, public).public_numbers()
            x, y = n.x.to_bytes(size, 'big'), n.y.to_bytes(size, 'big')
            return EC2Key(crv=crv, x=x, y=y, d=secret) if secret else EC2Key(crv=crv, x=x, y=y)
        plain = lambda v: dict(v) if isinstance(v, abc.Mapping) else list(v) if isinstance(v, tuple) else v

        """

    public static func canImport(_ modules: String...) -> Bool {
        let imports = modules.isEmpty ? "pass" : "import " + modules.joined(separator: ", ")
        return (try? run(imports))?.status == 0
    }

    /// Runs `python3 -c script arguments…` with `input` on standard input.
    public static func run(_ script: String, arguments: [String] = [], input: String = "") throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Feed standard input from another thread so a large input cannot deadlock against a full output pipe.
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readToEndRetryingInterrupts()
        let error = stderr.fileHandleForReading.readToEndRetryingInterrupts()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            error: String(decoding: error, as: UTF8.self))
    }
}

/// A small deterministic generator (SplitMix64) so generated test data is the same on every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
