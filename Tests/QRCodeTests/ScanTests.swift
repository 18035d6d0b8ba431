import Foundation
import QRCode
import Testing
import VectorSupport

/// A standard reader, zbar (Debian `zbar-tools`), scans our PNG and SVG plates and returns the exact URL.
@Suite(.enabled(
    if: Tools.path("zbarimg") != nil || Vectors.required, "zbarimg not found (apt-get install zbar-tools); fails under CI=true"))
struct ScanTests {
    static let urls = [
        "https://voltpass.example/01/09506000134352/21/ABC123?t=" + TokenFixture.token,
        "HTTPS://VOLTPASS.EXAMPLE/01/09506000134352/21/ABC123?t=" + TokenFixture.token,
    ]

    /// zbarimg's reading of an image file (`--raw`, one line per symbol).
    private func scan(_ file: URL) throws -> [String] {
        let zbarimg = try #require(Tools.path("zbarimg"), "apt-get install zbar-tools")
        let result = try Tools.run(zbarimg, ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file.path])
        try #require(result.status == 0, "zbarimg found no QR Code in \(file.lastPathComponent): \(result.error)")
        return result.output.split(separator: "\n").map(String.init)
    }

    @Test(arguments: urls, QRErrorCorrection.allCases)
    func pngScansToTheURL(url: String, level: QRErrorCorrection) throws {
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let code = try QRCode(url, errorCorrection: level)
        for depth in QRPNGBitDepth.allCases {
            let file = directory.appendingPathComponent("plate-\(depth.rawValue).png")
            try Data(code.png(moduleSize: 4, bitDepth: depth)).write(to: file)
            #expect(try scan(file) == [url], "level \(level), \(depth.rawValue)-bit")
        }
    }

    /// UTF-8 text in byte mode (no ECI header) reads back as the same text.
    @Test func utf8TextScansBack() throws {
        let text = "Zellchemie: Größe ≤ 5 kg · 日本語 · 🔋"
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("utf8.png")
        try Data(QRCode(text).png(moduleSize: 4)).write(to: file)
        #expect(try scan(file) == [text])
    }

    /// The SVG rasterized by librsvg (`rsvg-convert`, Debian `librsvg2-bin`), then scanned.
    @Test(
        .enabled(if: Tools.path("rsvg-convert") != nil || Vectors.required, "rsvg-convert not found (apt-get install librsvg2-bin)"),
        arguments: urls)
    func svgScansToTheURL(url: String) throws {
        let rsvg = try #require(Tools.path("rsvg-convert"), "apt-get install librsvg2-bin")
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let svg = directory.appendingPathComponent("plate.svg")
        let png = directory.appendingPathComponent("plate.png")
        try QRCode(url, errorCorrection: .quartile).svg(moduleSize: 5).write(to: svg, atomically: true, encoding: .utf8)
        let converted = try Tools.run(rsvg, ["--background-color", "white", "-o", png.path, svg.path])
        try #require(converted.status == 0, "rsvg-convert failed: \(converted.error)")
        #expect(try scan(png) == [url])
    }
}
