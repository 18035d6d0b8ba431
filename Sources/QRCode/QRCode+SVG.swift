extension QRCode {
    /// An SVG image: a white square and one black path of horizontal runs of dark modules, in module
    /// units (viewBox), drawn `moduleSize` pixels per module with a quiet zone of `quietZone` modules.
    /// Throws `qr_invalid_render_option` like `png`.
    public func svg(moduleSize: Int = 8, quietZone: Int = 4) throws -> String {
        let pixels = try imageSide(moduleSize: moduleSize, quietZone: quietZone)
        let side = size + 2 * quietZone
        var path: [UInt8] = []
        path.reserveCapacity(size * size * 2)
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x, y] else {
                    x += 1
                    continue
                }
                var length = 1
                while x + length < size && self[x + length, y] { length += 1 }
                // "M{x} {y}h{length}v1h-{length}z"
                path.append(UInt8(ascii: "M"))
                path.appendDecimal(x + quietZone)
                path.append(UInt8(ascii: " "))
                path.appendDecimal(y + quietZone)
                path.append(UInt8(ascii: "h"))
                path.appendDecimal(length)
                path.append(contentsOf: "v1h-".utf8)
                path.appendDecimal(length)
                path.append(UInt8(ascii: "z"))
                x += length
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(pixels)" height="\(pixels)" viewBox="0 0 \(side) \(side)" \
            shape-rendering="crispEdges"><rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path fill="#000" d="\(String(decoding: path, as: UTF8.self))"/></svg>

            """
    }
}

extension [UInt8] {
    /// Appends a non-negative integer in decimal ASCII.
    fileprivate mutating func appendDecimal(_ value: Int) {
        var divisor = 1
        while divisor * 10 <= value { divisor *= 10 }
        var remainder = value
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(remainder / divisor))
            remainder %= divisor
            divisor /= 10
        }
    }
}
