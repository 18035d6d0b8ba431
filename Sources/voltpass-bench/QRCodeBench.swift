import Foundation
import QRCode

/// QR Code plates: encoding a GS1 Digital Link URL with a 150-character token (mode split,
/// Reed–Solomon, all 8 masks scored), and rendering the symbol as PNG and SVG.
extension Suite {
    static let qrcode: [Suite] = [
        Suite(name: "qrcode.encode-digital-link") { seconds in
            let url = QRCodeFixture.url
            let code = try QRCode(url)
            return try await measure(
                "qrcode encode Digital Link URL, \(url.utf8.count) chars → version \(code.version)-M", minimumSeconds: seconds,
                bytesPerOperation: url.utf8.count
            ) {
                try QRCode(url).size
            }
        },
        Suite(name: "qrcode.encode-digital-link-uppercase") { seconds in
            let url = QRCodeFixture.upperCaseURL
            let code = try QRCode(url)
            return try await measure(
                "qrcode encode upper-case Digital Link URL → version \(code.version)-M, \(code.segments.count) segments",
                minimumSeconds: seconds
            ) {
                try QRCode(url).size
            }
        },
        Suite(name: "qrcode.png") { seconds in
            let code = try QRCode(QRCodeFixture.url)
            let size = try code.png().count
            return try await measure("qrcode PNG, 8 px/module, 1-bit (\(size) B)", minimumSeconds: seconds) {
                try code.png().count
            }
        },
        Suite(name: "qrcode.svg") { seconds in
            let code = try QRCode(QRCodeFixture.url)
            let size = try code.svg().utf8.count
            return try await measure("qrcode SVG (\(size) B)", minimumSeconds: seconds) {
                try code.svg().utf8.count
            }
        },
    ]
}

/// A plate URL: GTIN and serial as a GS1 Digital Link path, and a 150-character base64url token
/// (the length of a CWT with serial, operator and an Ed25519 signature).
private enum QRCodeFixture {
    static let token: String = {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<112).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }()
    static let url = "https://voltpass.example/01/09506000134352/21/ABC123?t=" + token
    static let upperCaseURL = "HTTPS://VOLTPASS.EXAMPLE/01/09506000134352/21/ABC123?t=" + token
}
