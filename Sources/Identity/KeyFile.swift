import Encoding
import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Musl)
    import Musl
    private let systemWrite = Musl.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// A software key pair on disk: a JSON Multikey object (Controlled Identifiers §2.2.2) with
/// `type: "Multikey"`, `publicKeyMultibase`, `secretKeyMultibase`, and optionally `id` and `controller`.
///
/// Files are written atomically (a temporary file in the same folder, then `rename`) and are created
/// with mode 0600 from the start, so the secret is never readable by others, not even briefly.
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
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw IdentityError(.invalidKeyFile, "\(url.path) is not JSON: \(error.message)")
        }
        guard let object = json.objectValue else {
            throw IdentityError(.invalidKeyFile, "\(url.path) is not a JSON object")
        }
        if let type = object["type"], type != "Multikey" {
            throw IdentityError(.invalidKeyFile, "\(url.path) has type \(type), not \"Multikey\"")
        }
        guard let secret = (object["secretKeyMultibase"] ?? object["privateKeyMultibase"])?.stringValue else {
            throw IdentityError(.invalidKeyFile, "\(url.path) has no string secretKeyMultibase")
        }
        let signer: SoftwareSigner
        do {
            signer = try SoftwareSigner(secretKeyMultibase: secret)
        } catch {
            throw IdentityError(.invalidKeyFile, "\(url.path): \(error.message)")
        }
        if let publicKey = object["publicKeyMultibase"] {
            guard publicKey.stringValue == signer.verificationKey.multikey else {
                throw IdentityError(.invalidKeyFile, "\(url.path): publicKeyMultibase does not belong to the secret key")
            }
        }
        return signer
    }

    private static func read(_ url: URL) throws(IdentityError) -> [UInt8] {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let data = try handle.read(upToCount: maximumSize + 1) ?? Data()
            guard data.count <= maximumSize else {
                throw IdentityError(.invalidKeyFile, "\(url.path) is larger than \(maximumSize) bytes; not a key file")
            }
            return Array(data)
        } catch let error as IdentityError {
            throw error
        } catch {
            throw IdentityError(.keyFileUnavailable, "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// Writes `bytes` to a new 0600 file beside `url`, syncs it, then renames it over `url`.
    public static func writeAtomically(_ bytes: [UInt8], to url: URL) throws(IdentityError) {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw IdentityError(.keyFileUnavailable, "cannot create \(temporary): \(String(cString: strerror(errno)))")
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
            throw IdentityError(.keyFileUnavailable, "cannot write \(url.path): \(failure)")
        }
    }
}
