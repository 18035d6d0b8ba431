import Encoding
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Server
import ServerTestSupport
import Testing
import VectorSupport

/// The page a person sees after scanning, loaded by a real browser (headless Chromium from Debian)
/// over HTTP on loopback: the screenshot's verdict banner is green for a genuine battery and red for
/// a recalled or a counterfeit one.
@Suite(.serialized) struct PassportPageBrowserTests {
    static let chromium = ["chromium", "chromium-browser"].compactMap(PassportEndToEndTests.which).first
    static let required = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Reads the RGB colour of one pixel of an 8-bit RGB(A) PNG (zlib only: an independent decoder).
    static let pixelScript = """
        import sys, zlib, struct
        data = open(sys.argv[1], 'rb').read()
        x, y = int(sys.argv[2]), int(sys.argv[3])
        pos, idat = 8, b''
        while pos < len(data):
            length, kind = struct.unpack('>I4s', data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            if kind == b'IHDR':
                width, height, depth, colour = struct.unpack('>IIBB', body[:10])
            elif kind == b'IDAT':
                idat += body
            pos += 12 + length
        assert depth == 8 and colour in (2, 6)
        bpp = 3 if colour == 2 else 4
        raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
        for r in range(height):
            start = r * (stride + 1)
            kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                if kind == 1: line[i] = (line[i] + a) & 255
                elif kind == 2: line[i] = (line[i] + b) & 255
                elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
                elif kind == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            rows.append(line)
            prev = line
        px = rows[y][x * bpp:x * bpp + 3]
        print(px[0], px[1], px[2])
        """

    @Test(.enabled(if: chromium != nil || required, "chromium is not installed"))
    func verdictBannerForGenuineRecalledAndCounterfeit() async throws {
        let browser = try #require(Self.chromium, "headless Chromium is needed (Debian package chromium)")
        try await withLiveServer { client, _, admin in
            let auth = HTTPFields.bearer(try await client.registerOperator("packmaker", admin: admin))
            let devices: [JSONValue] = [
                .object(PassportFixtures.device(serial: "G-1", lot: "OK", key: SoftwareSigner.generate(.ed25519))),
                .object(PassportFixtures.device(serial: "R-1", lot: "BAD", key: SoftwareSigner.generate(.ed25519))),
            ]
            _ = try await client.execute(
                uri: "/manufacturing/device/issue", method: .post, headers: auth,
                body: jsonBody(["operator": "packmaker", "devices": .array(devices)]))
            _ = try await client.execute(
                uri: "/operators/packmaker/recalls", method: .post, headers: auth,
                body: jsonBody(["selector": "lot", "value": "BAD", "reason": "thermal runaway risk"]))
            _ = try await client.execute(uri: "/operators/packmaker/anchor", method: .post, headers: auth)
            let port = try #require(client.port)
            let cases: [(path: String, expected: (Int, Int, Int), name: String)] = [
                ("/verify/device/G-1", (0x1a, 0x7f, 0x37), "genuine"),
                ("/verify/device/R-1", (0xcf, 0x22, 0x2e), "recalled"),
                ("/verify/device/FAKE-1", (0xcf, 0x22, 0x2e), "counterfeit"),
            ]
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            for item in cases {
                let shot = directory.appendingPathComponent("\(item.name).png")
                _ = try PassportEndToEndTests.run("/usr/bin/timeout", [
                    "90", browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                    "--user-data-dir=\(directory.appendingPathComponent("profile-\(item.name)").path)",
                    "--window-size=800,600", "--screenshot=\(shot.path)", "http://127.0.0.1:\(port)\(item.path)",
                ])
                #expect(FileManager.default.fileExists(atPath: shot.path), "Chromium wrote no screenshot for the \(item.name) battery")
                // A point of the banner right of its heading (the heading's glyphs are white).
                let pixel = try ReferencePython.run(Self.pixelScript, arguments: [shot.path, "700", "100"])
                #expect(pixel.status == 0, "\(pixel.error)")
                let rgb = pixel.output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                #expect(rgb == [item.expected.0, item.expected.1, item.expected.2], "the \(item.name) battery's banner is \(rgb)")
            }
        }
    }
}
