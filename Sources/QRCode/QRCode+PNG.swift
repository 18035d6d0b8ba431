/// Pixel formats of a QR Code PNG: grayscale, black modules on white.
public enum QRPNGBitDepth: Int, Sendable, CaseIterable {
    /// One bit per pixel, the smallest file.
    case one = 1
    /// One byte per pixel, for tools that dislike packed pixels.
    case eight = 8
}

extension QRCode {
    /// The largest image side in pixels a rendering may have.
    public static let maximumImageSide = 16384

    /// A grayscale PNG (signature, IHDR, one zlib IDAT, IEND) with `moduleSize` pixels per module
    /// and a light quiet zone of `quietZone` modules (4 is the standard minimum).
    /// Throws `qr_invalid_render_option` for a module size below 1, a negative quiet zone, or an
    /// image wider than `maximumImageSide`.
    public func png(moduleSize: Int = 8, quietZone: Int = 4, bitDepth: QRPNGBitDepth = .one) throws -> [UInt8] {
        let side = try imageSide(moduleSize: moduleSize, quietZone: quietZone)
        let stride = (bitDepth == .one ? (side + 7) / 8 : side) + 1
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity(stride * side)
        for moduleRow in -quietZone..<(size + quietZone) {
            // Filter type 0 (none), then the pixels; each module row repeats moduleSize times.
            let row = [0] + pixelRow(moduleRow: moduleRow, moduleSize: moduleSize, quietZone: quietZone, bitDepth: bitDepth)
            for _ in 0..<moduleSize { scanlines.append(contentsOf: row) }
        }
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(side))
        header.appendBigEndian(UInt32(side))
        header += [UInt8(bitDepth.rawValue), 0, 0, 0, 0]  // grayscale, deflate, adaptive filtering, no interlace
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png.appendChunk("IHDR", header)
        png.appendChunk("IDAT", Deflate.zlib(scanlines, stride: stride))
        png.appendChunk("IEND", [])
        return png
    }

    /// One row of pixels for a module row (outside 0..<size: quiet zone); dark is black (0), light white.
    private func pixelRow(moduleRow: Int, moduleSize: Int, quietZone: Int, bitDepth: QRPNGBitDepth) -> [UInt8] {
        let columns = size + 2 * quietZone
        let inside = (0..<size).contains(moduleRow)
        let darkColumns = (0..<columns).map { column in
            inside && (quietZone..<quietZone + size).contains(column) && self[column - quietZone, moduleRow]
        }
        switch bitDepth {
        case .eight:
            var row: [UInt8] = []
            row.reserveCapacity(columns * moduleSize)
            for dark in darkColumns { row.append(contentsOf: repeatElement(dark ? 0x00 : 0xFF, count: moduleSize)) }
            return row
        case .one:
            var row = [UInt8](repeating: 0xFF, count: (columns * moduleSize + 7) / 8)
            var x = 0
            for dark in darkColumns {
                if dark {
                    for pixel in x..<x + moduleSize { row[pixel >> 3] &= ~(0x80 >> UInt8(pixel & 7)) }
                }
                x += moduleSize
            }
            return row
        }
    }

    /// Side of the rendered square in pixels, after checking the options.
    func imageSide(moduleSize: Int, quietZone: Int) throws -> Int {
        guard moduleSize >= 1 else { throw QRCodeError.invalidRendering("module size \(moduleSize) must be at least 1") }
        guard quietZone >= 0 else { throw QRCodeError.invalidRendering("quiet zone \(quietZone) must not be negative") }
        let modules = size + 2 * min(quietZone, Self.maximumImageSide)
        let (side, overflow) = modules.multipliedReportingOverflow(by: moduleSize)
        guard !overflow, side <= Self.maximumImageSide else {
            throw QRCodeError.invalidRendering(
                "\(modules) modules of \(moduleSize) px exceed the \(Self.maximumImageSide) px limit")
        }
        return side
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        for shift in [24, 16, 8, 0] { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Length, type, data and the CRC-32 of type and data.
    fileprivate mutating func appendChunk(_ type: String, _ data: [UInt8]) {
        appendBigEndian(UInt32(data.count))
        let typeAndData = Array(type.utf8) + data
        append(contentsOf: typeAndData)
        appendBigEndian(Checksums.crc32(typeAndData))
    }
}
