import Encoding
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A secure element emulated in software, as a BMS would carry: the key pair is generated inside and
/// never leaves it (there is no accessor for the secret), it only signs, and it keeps a monotonic
/// counter that only increases.
///
/// Every signature bumps the counter, and the new value is written to disk (atomically, fsync'ed)
/// before the signature is released, so a crash can skip counter values but never repeat one.
/// The state is one JSON file, mode 0600: a Multikey key pair plus `"counter"`. One process should
/// use a given file at a time.
public actor SoftwareSecureElement: Signer {
    /// The signing key's algorithm.
    public nonisolated let algorithm: KeyAlgorithm
    /// The raw public key (32 bytes Ed25519, 33 bytes compressed P-256).
    public nonisolated let publicKey: [UInt8]
    /// The public key, validated.
    public nonisolated let verificationKey: PublicKey
    /// Where the element's state lives.
    public nonisolated let url: URL

    private let signer: SoftwareSigner
    /// The value of the last signature (0 before the first).
    public private(set) var counter: UInt64

    private init(signer: SoftwareSigner, counter: UInt64, url: URL) {
        self.signer = signer
        self.counter = counter
        self.url = url
        algorithm = signer.algorithm
        publicKey = signer.publicKey
        verificationKey = signer.verificationKey
    }

    /// Generates a new key inside a new element stored at `url` (counter 0). Throws
    /// `keyFileUnavailable` when the file exists or cannot be written.
    public static func create(_ algorithm: KeyAlgorithm, at url: URL) throws(IdentityError) -> SoftwareSecureElement {
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw IdentityError(.keyFileUnavailable, "\(url.path) exists; a secure element is never overwritten")
        }
        let element = SoftwareSecureElement(signer: .generate(algorithm), counter: 0, url: url)
        try persist(element.signer, counter: 0, to: url)
        return element
    }

    /// Opens the element stored at `url`. Throws `keyFileUnavailable` or `invalidKeyFile`
    /// (including a missing or malformed counter).
    public static func open(at url: URL) throws(IdentityError) -> SoftwareSecureElement {
        let signer = try KeyFile.load(from: url)
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            throw IdentityError(.keyFileUnavailable, "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let object = (try? JSONValue(parsing: bytes))?.objectValue,
            let number = object["counter"]?.doubleValue, number >= 0, number <= 9_007_199_254_740_991,
            number.rounded() == number
        else {
            throw IdentityError(.invalidKeyFile, "\(url.path) has no counter (a whole number from 0 to 2^53-1)")
        }
        return SoftwareSecureElement(signer: signer, counter: UInt64(number), url: url)
    }

    /// Signs `message`, bumping the counter first (`Signer` conformance).
    public func sign(_ message: [UInt8]) async throws -> [UInt8] {
        try await signCounted { _ in message }.signature
    }

    /// Bumps the counter, persists it, then signs the message `build` makes from the new counter value
    /// (so the value can be inside what is signed). Returns the value, the message and the signature.
    /// Nothing is signed when the counter cannot be written.
    public func signCounted(
        _ build: @Sendable (_ counter: UInt64) throws -> [UInt8]
    ) async throws -> (counter: UInt64, message: [UInt8], signature: [UInt8]) {
        guard counter < 9_007_199_254_740_991 else {
            throw IdentityError(.invalidKeyFile, "the counter of \(url.path) is exhausted")
        }
        let next = counter + 1
        try Self.persist(signer, counter: next, to: url)
        counter = next
        let message = try build(next)
        return (next, message, try await signer.sign(message))
    }

    private static func persist(_ signer: SoftwareSigner, counter: UInt64, to url: URL) throws(IdentityError) {
        let object: JSONObject = [
            "type": "Multikey", "publicKeyMultibase": .string(signer.verificationKey.multikey),
            "secretKeyMultibase": .string(signer.secretKeyMultibase), "counter": .number(Double(counter)),
        ]
        try KeyFile.writeAtomically(JSONValue.object(object).serialized(pretty: true), to: url)
    }
}
