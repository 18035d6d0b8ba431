import Foundation
import Glibc

extension FileHandle {
    /// Each chunk read until end of file, handed to `chunk`: read(2), retried when a signal interrupts
    /// it. (Foundation's `availableData` and `readDataToEndOfFile()` turn an interrupted read into a
    /// fatal error, which took the whole test process down.)
    public func readChunksRetryingInterrupts(_ chunk: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return }
            chunk(Array(buffer[..<count]))
        }
    }

    /// Everything until end of file, read as ``readChunksRetryingInterrupts(_:)`` does.
    public func readToEndRetryingInterrupts() -> Data {
        var data = Data()
        readChunksRetryingInterrupts { data.append(contentsOf: $0) }
        return data
    }
}
