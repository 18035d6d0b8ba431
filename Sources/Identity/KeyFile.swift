import Encoding
import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
    private let systemRead = Glibc.read
#elseif canImport(Musl)
    import Musl
    private let systemWrite = Musl.write
    private let systemRead = Musl.read
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
    private let systemRead = Darwin.read
#endif

/// A software key pair on disk: a JSON Multikey object (Controlled Identifiers §2.2.2) with
/// `type: "Multikey"`, `publicKeyMultibase`, `secretKeyMultibase`, and optionally `id` and `controller`.
///
/// Files are written atomically (a temporary file in the same folder, then `rename`) and are created
/// with mode 0600 from the start, so the secret is never readable by others, not even briefly.
///
/// Errors never contain the file's path or any part of its content: they may reach a log or a
/// public error response, and a damaged file may hold most of a secret. The caller knows which file it asked for.
public enum KeyFile {
    /// Key files are small; anything larger is not one.
    static let maximumSize = 64 * 1024

    /// Writes the key pair of `signer` to `url`, replacing any file there. Throws `keyFileUnavailable`.
    public static func write(_ signer: SoftwareSigner, to url: URL, id: String? = nil, controller: String? = nil)
        throws(IdentityError)
    {
        var object: JSONObject = ["type": "Multikey"]
        if let id { object["id"] = .string(id) }
        if let controller { object["controller"] = .string(controller) }
        object["publicKeyMultibase"] = .string(signer.verificationKey.multikey)
        object["secretKeyMultibase"] = .string(signer.secretKeyMultibase)
        try writeAtomically(JSONValue.object(object).serialized(pretty: true), to: url)
    }

    /// Loads the key pair at `url` as a signer. Throws `keyFileUnavailable` when the file cannot be
    /// read, `invalidKeyFile` when it is not a Multikey key pair (not JSON, another `type`, a missing
    /// or malformed key, or a public key that does not belong to the secret key).
    ///
    /// `privateKeyMultibase`, the name used by older files such as the vc-di-eddsa test key, is
    /// accepted in place of `secretKeyMultibase`.
    public static func load(from url: URL) throws(IdentityError) -> SoftwareSigner {
        let bytes = try read(url)
        guard let json = try? JSONValue(parsing: bytes) else {
            throw IdentityError(.invalidKeyFile, "the key file is not JSON")
        }
        guard let object = json.objectValue else {
            throw IdentityError(.invalidKeyFile, "the key file is not a JSON object")
        }
        if let type = object["type"], type != "Multikey" {
            throw IdentityError(.invalidKeyFile, "the key file's type is not \"Multikey\"")
        }
        guard let secret = (object["secretKeyMultibase"] ?? object["privateKeyMultibase"])?.stringValue else {
            throw IdentityError(.invalidKeyFile, "the key file has no string secretKeyMultibase")
        }
        guard let signer = try? SoftwareSigner(secretKeyMultibase: secret) else {
            throw IdentityError(
                .invalidKeyFile, "the key file's secretKeyMultibase is not a Multikey Ed25519 seed or P-256 secret key")
        }
        if let publicKey = object["publicKeyMultibase"] {
            guard publicKey.stringValue == signer.verificationKey.multikey else {
                throw IdentityError(.invalidKeyFile, "the key file's publicKeyMultibase does not belong to its secret key")
            }
        }
        return signer
    }

    /// The file's bytes, read with POSIX calls so that no error message carries the path.
    private static func read(_ url: URL) throws(IdentityError) -> [UInt8] {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw IdentityError(.keyFileUnavailable, "cannot open the key file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while bytes.count <= maximumSize {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw IdentityError(.keyFileUnavailable, "cannot read the key file: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
        throw IdentityError(.invalidKeyFile, "the key file is larger than \(maximumSize) bytes; not a key file")
    }

    /// Writes `bytes` to a new 0600 file beside `url`, syncs it, then renames it over `url`.
    public static func writeAtomically(_ bytes: [UInt8], to url: URL) throws(IdentityError) {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw IdentityError(.keyFileUnavailable, "cannot create the key file: \(String(cString: strerror(errno)))")
        }
        var written = 0
        var failure: String?
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                break
            }
            written += result
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        if close(descriptor) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if failure == nil, rename(temporary, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw IdentityError(.keyFileUnavailable, "cannot write the key file: \(failure)")
        }
    }
}
