import Foundation
import QRCode
import Testing
import VectorSupport

/// Python's segno (pip `segno`), an independent QR Code encoder, building symbols from the same
/// segments, level and (when given) version and mask as ours.
///
/// segno 1.6 pads a bit stream that already ends on a codeword boundary with a whole extra zero
/// byte, where ISO/IEC 18004 §7.4.10 adds padding bits only to reach the boundary
/// (heuer/segno issues 123 and 148, open). Readers accept both, but the modules differ, so the
/// script replaces that one function with the standard rule before building.
///
/// Mask penalties are segno's N1, N2 and N4 scores; N3 (the 1:1:3:1:1 finder-like pattern) is
/// counted here from the standard's wording, because segno resumes its search after a scored
/// pattern and so misses a second pattern sharing its last module (…1011101011101 0000).
enum Segno {
    static let available = ReferencePython.canImport("segno")
    static let missingNote: Comment = "python3 with segno not found (pip install segno); fails under CI=true"

    /// One symbol to build: nil version or mask lets segno choose; `scoreMasks` also asks for
    /// segno's penalty score of the finished symbol under each of the 8 masks.
    struct Case {
        var segments: [QRSegment]
        var level: QRErrorCorrection
        var version: Int?
        var mask: Int?
        var scoreMasks = false
    }

    /// What segno built: version, mask, the module rows as "0"/"1" strings, and the penalty
    /// scores when asked for; nil when the data does not fit the version asked for.
    struct Symbol: Equatable {
        let version: Int
        let mask: Int
        let rows: [String]
        var penalties: [Int] = []
    }

    private static let script = """
        import sys, segno
        from segno import consts, encoder
        def write_padding_bits(buff, version, length):
            buff.extend([0] * (-length % 8))
        encoder.write_padding_bits = write_padding_bits
        modes = {'numeric': consts.MODE_NUMERIC, 'alphanumeric': consts.MODE_ALPHANUMERIC, 'byte': consts.MODE_BYTE}
        def finder_like(matrix):
            size, score = len(matrix), 0
            lines = [list(row) for row in matrix] + [[row[x] for row in matrix] for x in range(size)]
            for line in lines:
                light = lambda index: index < 0 or index >= size or line[index] == 0
                for start in range(size - 6):
                    if line[start:start + 7] == [1, 0, 1, 1, 1, 0, 1] and (
                            all(light(i) for i in range(start - 4, start)) or all(light(i) for i in range(start + 7, start + 11))):
                        score += 40
            return score
        def penalty(matrix):
            n1, n2, _, n4 = encoder.mask_scores(matrix, len(matrix), len(matrix))
            return n1 + n2 + finder_like(matrix) + n4
        def build(content, level, version, mask):
            return segno.make_qr(content, error=level, version=version, mask=mask, boost_error=False)
        for line in sys.stdin:
            level, version, mask, score, *segments = line.split()
            content = []
            for segment in segments:
                mode, data = segment.split(':')
                data = bytes.fromhex(data)
                content.append((data if mode == 'byte' else data.decode('ascii'), modes[mode]))
            version = None if version == '-' else int(version)
            try:
                qr = build(content, level, version, None if mask == '-' else int(mask))
            except segno.DataOverflowError:
                print('overflow')
                continue
            rows = ''.join(''.join(str(bit) for bit in row) + '/' for row in qr.matrix)
            scores = []
            if score == 'score':
                for candidate in range(8):
                    matrix = build(content, level, qr.version, candidate).matrix
                    scores.append(str(penalty(matrix)))
            print(qr.version, qr.mask, rows, ','.join(scores))
        """

    /// Builds every case in one python3 run.
    static func symbols(_ cases: [Case]) throws -> [Symbol?] {
        let input = cases.map { item in
            ([
                item.level.rawValue, item.version.map(String.init) ?? "-", item.mask.map(String.init) ?? "-",
                item.scoreMasks ? "score" : "-",
            ] + item.segments.map { "\($0.mode.rawValue):\(Vectors.hex($0.data))" }).joined(separator: " ")
        }.joined(separator: "\n")
        let run = try ReferencePython.run(script, input: input + "\n")
        try #require(run.status == 0, "segno failed: \(run.error)")
        let symbols = run.lines.map { line -> Symbol? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 4 else { return nil }
            return Symbol(
                version: Int(fields[0]) ?? -1, mask: Int(fields[1]) ?? -1,
                rows: fields[2].split(separator: "/").map(String.init),
                penalties: fields[3].split(separator: ",").compactMap { Int($0) })
        }
        try #require(symbols.count == cases.count, "segno printed \(symbols.count) symbols for \(cases.count) cases")
        return symbols
    }
}

extension QRCode {
    /// Rows as "0"/"1" strings, as `Segno.Symbol` has them.
    var rowStrings: [String] { matrix.map { row in String(row.map { $0 ? "1" : "0" }) } }

    func asSegnoSymbol(penalties: [Int] = []) -> Segno.Symbol {
        Segno.Symbol(version: version, mask: mask, rows: rowStrings, penalties: penalties)
    }
}
