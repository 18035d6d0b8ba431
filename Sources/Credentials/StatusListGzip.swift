import CompressNIO
import NIOCore

/// GZIP (RFC 1952) for status list bitstrings, on zlib through compress-nio: any valid gzip stream
/// is read (stored, fixed and dynamic Huffman blocks, optional header fields, several members).
///
/// Decoding is bounded by `maximumSize` bytes of output, so a small hostile input cannot expand into
/// gigabytes; every malformation, including a CRC-32 or length mismatch (zlib checks each member's
/// trailer) and a truncated member, is `status_list_invalid`.
///
/// Lists are written with zlib's run-length strategy: a bitstring is long runs of zero bytes with a
/// few set bits, which run-length matches compress as well as the default search does, in a fraction
/// of its time (the list is signed again on every status change).
public enum StatusListGzip {
    /// The default output limit: 16 MiB, a list of 134 million one-bit entries.
    public static let defaultMaximumSize = 16 * 1024 * 1024

    /// `bytes` as a gzip stream.
    public static func compress(_ bytes: [UInt8]) throws(StatusListError) -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        do {
            return Array(try input.compress(with: .gzip(configuration: ZlibConfiguration(strategy: .rle))).readableBytesView)
        } catch {
            throw StatusListError(.statusListInvalid, "the list could not be compressed: \(error)")
        }
    }

    /// The bytes a gzip stream decompresses to; the members of a multi-member stream are concatenated.
    public static func decompress(_ bytes: [UInt8], maximumSize: Int = defaultMaximumSize) throws(StatusListError) -> [UInt8] {
        guard !bytes.isEmpty else { throw invalid("the gzip stream is empty") }
        var input = ByteBuffer(bytes: bytes)
        var output: [UInt8] = []
        while input.readableBytes > 0 {
            let decompressor = CompressionAlgorithm.gzip().decompressor
            do {
                try decompressor.startStream()
                defer { try? decompressor.finishStream() }
                let member = try input.decompressStream(with: decompressor, maxSize: maximumSize - output.count + 1)
                guard output.count + member.readableBytes <= maximumSize else { throw CompressNIOError.bufferOverflow }
                output += member.readableBytesView
                // zlib stops at a member's end and leaves what follows; a member that used up the
                // input without ending is truncated: it would take one more byte.
                if input.readableBytes == 0 {
                    var probe = ByteBuffer(bytes: [0])
                    var scratch = ByteBuffer()
                    scratch.reserveCapacity(64)
                    try probe.decompressStream(to: &scratch, with: decompressor)
                    guard probe.readableBytes == 1, scratch.readableBytes == 0 else { throw invalid("the gzip stream is truncated") }
                }
            } catch let error as StatusListError {
                throw error
            } catch let error as CompressNIOError where error == .bufferOverflow {
                throw invalid("the list decompresses to more than the limit of \(maximumSize) bytes")
            } catch let error as CompressNIOError where error == .inputBufferOverflow || error == .unfinished {
                throw invalid("the gzip stream is truncated")
            } catch {
                throw invalid("not a valid gzip stream (\(error))")
            }
        }
        return output
    }

    static func invalid(_ message: String) -> StatusListError {
        StatusListError(.statusListInvalid, "encodedList: \(message)")
    }
}
