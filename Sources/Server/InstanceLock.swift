import Encoding
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One running instance per data directory on PostgreSQL, where no ledger file locks it (on SQLite the
/// ledger's lock does): an exclusive lock on `instance.lock` in the directory, held until ``release()``
/// or the process ends. The directory names the instance as a lease holder, so two instances sharing
/// one would each take the other's leases for its own.
final class InstanceLock: Sendable {
    private let descriptor: Mutex<Int32>

    /// Takes the lock; `data_directory_in_use` when another running instance holds it.
    init(dataDirectory: URL) throws {
        let path = dataDirectory.appendingPathComponent("instance.lock").path
        try? FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw InstanceLockError(code: "data_directory_unusable", message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw InstanceLockError(
                code: "data_directory_in_use",
                message: "another running instance uses the data directory \(dataDirectory.path); give each instance its own")
        }
        self.descriptor = Mutex(descriptor)
    }

    /// Releases the lock.
    func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }
}

/// Why an instance cannot have its data directory: `data_directory_in_use`, `data_directory_unusable`.
struct InstanceLockError: CodedError {
    let code: String
    let message: String
}
