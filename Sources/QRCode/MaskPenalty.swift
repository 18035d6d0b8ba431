/// The penalty score of a masked symbol (ISO/IEC 18004 §7.8.3, Table 11); the mask with the lowest
/// score is used. Modules outside the symbol count as light.
///
/// Rows and columns are packed into 64-bit words (bit i = module i, 1 = dark) so that 2×2 blocks and
/// dark modules are counted a word at a time, and runs are found from colour changes rather than
/// module by module.
extension ModuleGrid {
    func penalty() -> Int {
        let words = (size + 63) / 64
        var rows = [UInt64](repeating: 0, count: size * words)
        var columns = [UInt64](repeating: 0, count: size * words)
        for y in 0..<size {
            for x in 0..<size {
                let bit = UInt64(modules[y * size + x])
                rows[y * words + x >> 6] |= bit << UInt64(x & 63)
                columns[x * words + y >> 6] |= bit << UInt64(y & 63)
            }
        }
        var score = 0
        var dark = 0
        withUnsafeTemporaryAllocation(of: Int.self, capacity: size) { runs in
            rows.withUnsafeBufferPointer { rows in
                columns.withUnsafeBufferPointer { columns in
                    for line in 0..<size {
                        let lineWords = line * words..<(line + 1) * words
                        let row = UnsafeBufferPointer(rebasing: rows[lineWords])
                        score += Self.linePenalty(row, size: size, runs: runs)
                        score += Self.linePenalty(UnsafeBufferPointer(rebasing: columns[lineWords]), size: size, runs: runs)
                        for word in row { dark += word.nonzeroBitCount }
                    }
                }
            }
        }
        // N2: 3 for each 2×2 block of one colour (overlapping blocks counted separately).
        for y in 0..<(size - 1) {
            for word in 0..<words {
                let upper = rows[y * words + word]
                let lower = rows[(y + 1) * words + word]
                let upperNext = upper >> 1 | (word + 1 < words ? rows[y * words + word + 1] << 63 : 0)
                let lowerNext = lower >> 1 | (word + 1 < words ? rows[(y + 1) * words + word + 1] << 63 : 0)
                var same = ~(upper ^ upperNext) & ~(upper ^ lower) & ~(lower ^ lowerNext)
                // Only blocks whose left column x satisfies x + 1 < size.
                let firstX = word * 64
                if firstX + 64 > size - 1 { same &= (1 << UInt64(max(0, size - 1 - firstX))) &- 1 }
                score += 3 * same.nonzeroBitCount
            }
        }
        // N4: 10 for every full 5 % the dark share deviates from 50 %.
        let total = size * size
        return score + 10 * (abs(20 * dark - 10 * total) / total)
    }

    /// N1: 3 + (n − 5) for each run of n ≥ 5 modules of one colour. N3: 40 for each
    /// dark-light-dark-dark-dark-light-dark pattern (runs 1, 3, 1 between dark runs) with four light
    /// modules before or after it.
    private static func linePenalty(_ line: UnsafeBufferPointer<UInt64>, size: Int, runs: UnsafeMutableBufferPointer<Int>) -> Int {
        // Colour changes: bit i set when module i differs from module i − 1 (i in 1..<size).
        var count = 0
        var runStart = 0
        var previousWord: UInt64 = 0
        for (wordIndex, word) in line.enumerated() {
            var changes = word ^ (word << 1 | previousWord >> 63)
            if wordIndex == 0 { changes &= ~1 }
            let base = wordIndex * 64
            if base + 64 > size { changes &= (1 << UInt64(size - base)) &- 1 }
            while changes != 0 {
                let position = base + changes.trailingZeroBitCount
                runs[count] = position - runStart
                count += 1
                runStart = position
                changes &= changes &- 1
            }
            previousWord = word
        }
        runs[count] = size - runStart
        count += 1

        var score = 0
        for index in 0..<count where runs[index] >= 5 { score += runs[index] - 2 }
        // Runs alternate colours: the light ones are the odd runs when the line starts dark, else the even ones.
        var index = line[0] & 1 == 1 ? 1 : 2
        while index + 3 < count {
            if runs[index] == 1 && runs[index + 1] == 3 && runs[index + 2] == 1 {
                let lightBefore = runs[index - 1] == 1 && (index - 1 == 0 || runs[index - 2] >= 4 || index - 2 == 0)
                let lightAfter = runs[index + 3] == 1 && (index + 3 == count - 1 || runs[index + 4] >= 4 || index + 4 == count - 1)
                if lightBefore || lightAfter { score += 40 }
            }
            index += 2
        }
        return score
    }
}
