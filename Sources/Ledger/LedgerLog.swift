import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ledger's append-only file, `ledger.log` in the ledger directory.
///
/// Layout: a 24-byte file header (`VOLTLDG1`, version u32, genesis Unix seconds i64, CRC-32C of
/// the 20 bytes before it, all big-endian), then records. A record is one committed batch:
/// payload length u32, CRC-32C of the payload u32, CRC-32C of those 8 bytes u32, then the payload
/// (a CBOR array of transaction bodies). Each append is followed by `fsync`, so only the last
/// record can be incomplete after a crash. On open, a damaged record with nothing valid after it
/// is a torn tail and is cut off; damage followed by a valid record is `ledger_corrupt`.
struct LedgerLog {
    static let fileName = "ledger.log"
    static let magic = Array("VOLTLDG1".utf8)
    static let version: UInt32 = 1
    static let fileHeaderSize = 24
    static let recordHeaderSize = 12

    /// The open file descriptor (holding an exclusive `flock`), or -1 once closed.
    private(set) var descriptor: Int32
    /// Bytes of good data: where the next record goes.
    private(set) var length: Int
    /// The genesis time, Unix seconds.
    let genesis: Int64
    /// Set when the file's contents are no longer known (a failed sync or cut-back).
    private(set) var broken = false

    /// The payloads of the committed records, in order, found by `open`.
    typealias Opened = (log: LedgerLog, payloads: [ArraySlice<UInt8>], cutBytes: Int)

    /// Opens (creating if needed) the log in `directory`, locks it, cuts a torn tail and returns
    /// the committed payloads. `genesis` is used for a new log and must match an existing one.
    static func open(directory: URL, genesis: Int64?) throws(LedgerError) -> Opened {
        let path = directory.appendingPathComponent(fileName).path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create the ledger directory \(directory.path): \(error)")
        }
        if !FileManager.default.fileExists(atPath: path) {
            try create(path: path, directory: directory.path, genesis: genesis ?? Int64(Date().timeIntervalSince1970))
        }
        let descriptor = systemOpen(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io("cannot open \(path): \(errorText())") }
        var keep = false
        defer { if !keep { _ = systemClose(descriptor) } }
        // A lock just released can linger for a moment in a process forked at that instant (the
        // descriptor is close-on-exec, but a fork holds it until its exec), so a busy lock is tried
        // again for up to a second before another instance is taken to hold it.
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            attempts += 1
            guard attempts < 20 else { throw LedgerError(code: "ledger_locked", message: "another ledger instance has \(path) open") }
            usleep(50_000)
        }
        let bytes = try readAll(descriptor, path: path)
        let stored = try parseFileHeader(bytes, path: path)
        if let genesis, genesis != stored {
            throw LedgerError(
                code: "genesis_mismatch", message: "the ledger at \(path) has genesis \(stored) s, the configuration says \(genesis) s")
        }
        let (payloads, good) = try scan(bytes)
        if good < bytes.count {
            guard ftruncate(descriptor, off_t(good)) == 0, fsync(descriptor) == 0 else {
                throw .io("cannot cut the torn tail of \(path): \(errorText())")
            }
        }
        keep = true
        return (LedgerLog(descriptor: descriptor, length: good, genesis: stored), payloads, bytes.count - good)
    }

    /// Appends one record and syncs it. On a failed write the file is cut back and nothing is
    /// recorded. A failed sync leaves the file's contents unknown: the log marks itself `broken`
    /// and the ledger must refuse further work until it is reopened (and replays what is there).
    /// Returns where the payload lies in the file, for ``payload(at:)``.
    @discardableResult
    mutating func append(_ payload: [UInt8]) throws(LedgerError) -> Range<Int> {
        guard !broken else { throw .io("an earlier sync of the ledger failed; reopen it") }
        guard payload.count <= Int(UInt32.max) else {
            throw LedgerError(code: "batch_too_large", message: "the batch encodes to \(payload.count) bytes")
        }
        var record = Self.recordHeader(for: payload)
        record.append(contentsOf: payload)
        var written = 0
        let failure: Int32? = record.withUnsafeBytes { raw in
            while written < raw.count {
                let result = pwrite(descriptor, raw.baseAddress! + written, raw.count - written, off_t(length + written))
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += result
            }
            return nil
        }
        if let failure {
            if ftruncate(descriptor, off_t(length)) != 0 { broken = true }
            throw .io("writing the ledger failed: \(String(cString: strerror(failure)))")
        }
        guard fsync(descriptor) == 0 else {
            broken = true
            throw .io("syncing the ledger failed: \(errorText()); reopen it")
        }
        let start = length + Self.recordHeaderSize
        length += record.count
        return start..<start + payload.count
    }

    /// The payload at `range` (as `append` returned it, or a slice `open` returned), read again from
    /// the file: one record, not the whole log.
    func payload(at range: Range<Int>) throws(LedgerError) -> [UInt8] {
        guard range.lowerBound >= Self.fileHeaderSize + Self.recordHeaderSize, range.upperBound <= length else {
            throw .corrupt("bytes \(range) are not a record of the ledger")
        }
        var bytes = [UInt8](repeating: 0, count: range.count)
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, $0.count - done, off_t(range.lowerBound + done)) }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { throw .io("reading the ledger failed: \(errorText())") }
            done += result
        }
        return bytes
    }

    /// Releases the lock and the file.
    mutating func close() {
        guard descriptor >= 0 else { return }
        _ = systemClose(descriptor)
        descriptor = -1
    }

    // MARK: - Format

    static func recordHeader(for payload: [UInt8]) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(recordHeaderSize + payload.count)
        append(UInt32(payload.count), to: &header)
        append(CRC32C.checksum(payload), to: &header)
        append(CRC32C.checksum(header), to: &header)
        return header
    }

    static func fileHeader(genesis: Int64) -> [UInt8] {
        var header = magic
        append(version, to: &header)
        append(UInt32(truncatingIfNeeded: UInt64(bitPattern: genesis) >> 32), to: &header)
        append(UInt32(truncatingIfNeeded: UInt64(bitPattern: genesis)), to: &header)
        append(CRC32C.checksum(header), to: &header)
        return header
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }

    private static func parseFileHeader(_ bytes: [UInt8], path: String) throws(LedgerError) -> Int64 {
        guard bytes.count >= fileHeaderSize, Array(bytes[0..<8]) == magic,
            CRC32C.checksum(Array(bytes[0..<20])) == uint32(bytes, at: 20)
        else { throw .corrupt("\(path) does not start with a valid ledger header") }
        guard uint32(bytes, at: 8) == version else {
            throw .corrupt("\(path) has format version \(uint32(bytes, at: 8)); this build reads version \(version)")
        }
        let genesis = Int64(bitPattern: UInt64(uint32(bytes, at: 12)) << 32 | UInt64(uint32(bytes, at: 16)))
        guard genesis >= 0 else { throw .corrupt("\(path) has a genesis time before 1970") }
        return genesis
    }

    /// The complete record at `offset`, if one is there: its payload range.
    private static func record(in bytes: [UInt8], at offset: Int) -> Range<Int>? {
        guard bytes.count - offset >= recordHeaderSize else { return nil }
        let headerCheck = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + 8])) }
        guard headerCheck == uint32(bytes, at: offset + 8) else { return nil }
        let count = Int(uint32(bytes, at: offset))
        let start = offset + recordHeaderSize
        guard count > 0, bytes.count - start >= count else { return nil }
        let payloadCheck = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<start + count])) }
        return payloadCheck == uint32(bytes, at: offset + 4) ? start..<start + count : nil
    }

    /// The committed payloads and the length of the good prefix.
    static func scan(_ bytes: [UInt8]) throws(LedgerError) -> ([ArraySlice<UInt8>], Int) {
        var payloads: [ArraySlice<UInt8>] = []
        var offset = fileHeaderSize
        while offset < bytes.count {
            guard let range = record(in: bytes, at: offset) else {
                // Torn tail only if nothing valid follows; otherwise committed data would be lost.
                for later in offset + 1..<bytes.count where record(in: bytes, at: later) != nil {
                    throw .corrupt(
                        "the record at byte \(offset) is damaged but a valid record follows at byte \(later); refusing to drop committed data")
                }
                return (payloads, offset)
            }
            payloads.append(bytes[range])
            offset = range.upperBound
        }
        return (payloads, offset)
    }

    // MARK: - Files

    private static func create(path: String, directory: String, genesis: Int64) throws(LedgerError) {
        guard genesis >= 0 else { throw LedgerError(code: "invalid_genesis", message: "the genesis time must not be before 1970") }
        let temporary = path + ".new"
        let descriptor = systemOpen(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot create \(temporary): \(errorText())") }
        let header = fileHeader(genesis: genesis)
        let written = header.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
        let synced = fsync(descriptor) == 0
        _ = systemClose(descriptor)
        guard written == header.count, synced, rename(temporary, path) == 0 else {
            throw .io("cannot create \(path): \(errorText())")
        }
        let directoryDescriptor = systemOpen(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            _ = systemClose(directoryDescriptor)
        }
    }

    private static func readAll(_ descriptor: Int32, path: String) throws(LedgerError) -> [UInt8] {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io("cannot stat \(path): \(errorText())") }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        let failure: Int32? = bytes.withUnsafeMutableBytes { raw in
            while done < size {
                let result = pread(descriptor, raw.baseAddress! + done, size - done, off_t(done))
                if result < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if result == 0 { break }
                done += result
            }
            return nil
        }
        if let failure { throw .io("cannot read \(path): \(String(cString: strerror(failure)))") }
        return Array(bytes[0..<done])
    }
}

private func errorText() -> String { String(cString: strerror(errno)) }

// Free functions, so the type's own `open` and `close` do not shadow the system calls.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { open(path, flags, mode) }
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
