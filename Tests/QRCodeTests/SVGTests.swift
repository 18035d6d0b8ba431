import Foundation
import QRCode
import Testing

/// The SVG read back structurally: size attributes and the path redrawn as modules.
@Suite struct SVGTests {
    @Test(arguments: [(1, 4), (6, 4), (3, 0)])
    func pathRedrawsTheMatrix(layout: (moduleSize: Int, quietZone: Int)) throws {
        let code = try QRCode("https://voltpass.example/01/09506000134352/21/ABC123?t=" + TokenFixture.token)
        let svg = try code.svg(moduleSize: layout.moduleSize, quietZone: layout.quietZone)
        let side = code.size + 2 * layout.quietZone
        let pixels = side * layout.moduleSize
        #expect(svg.hasPrefix(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(pixels)\" height=\"\(pixels)\" viewBox=\"0 0 \(side) \(side)\""))
        #expect(svg.contains("<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/>"))

        let pathStart = try #require(svg.range(of: "d=\""))
        let pathEnd = try #require(svg[pathStart.upperBound...].firstIndex(of: "\""))
        let path = svg[pathStart.upperBound..<pathEnd]
        let run = try Regex(#"^M(\d+) (\d+)h(\d+)v1h-(\d+)z$"#)
        var drawn = [[Bool]](repeating: [Bool](repeating: false, count: code.size), count: code.size)
        for command in path.split(separator: "z").map({ $0 + "z" }) {
            let match = try #require(try run.wholeMatch(in: String(command)), "unexpected path command \(command)")
            let values = (1...4).map { Int(match.output[$0].substring!)! }
            #expect(values[2] == values[3])
            let y = values[1] - layout.quietZone
            for x in values[0]..<values[0] + values[2] {
                #expect(!drawn[y][x - layout.quietZone], "module drawn twice")
                drawn[y][x - layout.quietZone] = true
            }
        }
        #expect(drawn == code.matrix)
    }
}
