/// Splits text into numeric, alphanumeric and byte segments so the bit stream is as short as
/// possible, e.g. an upper-case Digital Link path in alphanumeric mode followed by a base64url
/// token in byte mode.
enum SegmentOptimizer {
    /// The shorter of the best single-mode encoding and a mixed split found by dynamic
    /// programming, for the character count widths of a version group.
    static func segments(for text: String, group: Int) -> [QRSegment] {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return [] }
        let single = [singleSegment(scalars)]
        let mixed = mixedSegments(scalars, group: group)
        func bits(_ segments: [QRSegment]) -> Int {
            var total = 0
            for segment in segments {
                guard let count = segment.bitCount(group: group) else { return .max }
                total += count
            }
            return total
        }
        return bits(mixed) < bits(single) ? mixed : single
    }

    /// One segment in the narrowest mode that holds every character.
    private static func singleSegment(_ scalars: [Unicode.Scalar]) -> QRSegment {
        let mode = [QRSegment.Mode.numeric, .alphanumeric].first { mode in scalars.allSatisfy(mode.canEncode) } ?? .byte
        return segment(mode, scalars[...])
    }

    private static func segment(_ mode: QRSegment.Mode, _ scalars: ArraySlice<Unicode.Scalar>) -> QRSegment {
        var data: [UInt8] = []
        data.reserveCapacity(scalars.count)
        for scalar in scalars { UTF8.encode(scalar) { data.append($0) } }
        return QRSegment(mode: mode, data: data)
    }

    /// Minimum-cost assignment of a mode to every character, in sixths of a bit so numeric
    /// (10/3 bits) and alphanumeric (11/2 bits) characters have whole costs; a segment header
    /// is paid whenever the mode changes.
    private static func mixedSegments(_ scalars: [Unicode.Scalar], group: Int) -> [QRSegment] {
        let modes = QRSegment.Mode.allCases
        let header = modes.map { (4 + $0.countWidth(group: group)) * 6 }
        func characterCost(_ mode: QRSegment.Mode, _ scalar: Unicode.Scalar) -> Int? {
            guard mode.canEncode(scalar) else { return nil }
            switch mode {
            case .numeric: return 20
            case .alphanumeric: return 33
            case .byte: return 48 * UTF8.width(scalar)
            }
        }
        let unreachable = Int.max / 4
        var cost = [Int](repeating: 0, count: modes.count)
        // previous[i * 3 + m]: the mode of character i − 1 on the cheapest path that puts character i in mode m.
        var previous = [Int](repeating: 0, count: scalars.count * modes.count)
        var next = cost
        for (index, scalar) in scalars.enumerated() {
            for (mode, modeValue) in modes.enumerated() {
                next[mode] = unreachable
                guard let characterCost = characterCost(modeValue, scalar) else { continue }
                for from in modes.indices where cost[from] < unreachable {
                    let candidate = cost[from] + (index == 0 || from != mode ? header[mode] : 0) + characterCost
                    if candidate < next[mode] {
                        next[mode] = candidate
                        previous[index * modes.count + mode] = from
                    }
                }
            }
            swap(&cost, &next)
        }
        var mode = cost.indices.min { cost[$0] < cost[$1] }!
        var assigned = [Int](repeating: 0, count: scalars.count)
        for index in stride(from: scalars.count - 1, through: 0, by: -1) {
            assigned[index] = mode
            mode = previous[index * modes.count + mode]
        }
        var segments: [QRSegment] = []
        var start = 0
        for index in 1...scalars.count where index == scalars.count || assigned[index] != assigned[start] {
            segments.append(segment(modes[assigned[start]], scalars[start..<index]))
            start = index
        }
        return segments
    }
}
