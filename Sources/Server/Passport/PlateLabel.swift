import Passport
import QRCode

/// A printable plate label: the QR code of the plate URL with the battery's GTIN, serial and model as
/// text under it, one SVG.
enum PlateLabel {
    /// The label of `device` for `plateURL`, `moduleSize` pixels per QR module.
    static func svg(_ device: DeviceRecord, plateURL: String, moduleSize: Int = 4) throws -> String {
        let code = try QRCode(bytes: Array(plateURL.utf8))
        let quietZone = 4
        let side = (code.size + 2 * quietZone) * moduleSize
        let lines = ["(01) \(device.gtin)", "(21) \(device.serial)", device.model]
        let lineHeight = 18
        let height = side + lines.count * lineHeight + 8
        var text = ""
        for (index, line) in lines.enumerated() {
            let y = side + (index + 1) * lineHeight
            text += "<text x=\"\(side / 2)\" y=\"\(y)\" text-anchor=\"middle\">\(PassportPage.escape(line))</text>"
        }
        // The QR code's own SVG, nested: it keeps its quiet zone and its module grid.
        let qr = try code.svg(moduleSize: moduleSize, quietZone: quietZone).trimmingSuffix("\n")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(side)" height="\(height)" viewBox="0 0 \(side) \(height)" \
            role="img" aria-label="\(PassportPage.escape(lines.joined(separator: ", ")))"><rect width="\(side)" height="\(height)" fill="#fff"/>\
            \(qr)<g font-family="DejaVu Sans Mono, monospace" font-size="14" fill="#000">\(text)</g></svg>

            """
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
