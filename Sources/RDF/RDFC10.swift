import Crypto
import Encoding

/// RDF Dataset Canonicalization (W3C RDFC-1.0): relabels a dataset's blank nodes `c14n0`, `c14n1`, …
/// from the dataset's structure alone, so two isomorphic datasets serialize to the same canonical
/// N-Quads and hash alike.
///
/// Poison graphs (whose blank nodes only Hash N-Degree Quads can tell apart, at a cost that grows
/// factorially) are stopped by a bound on the work, `rdfc_too_complex`, never a hang: each call of
/// Hash N-Degree Quads and each permutation it tries counts one unit.
public struct RDFC10: Sendable {
    public enum HashAlgorithm: Sendable {
        case sha256, sha384
    }

    public let hash: HashAlgorithm
    /// The most units of work one canonicalization may spend.
    public let workLimit: Int

    /// Work beyond which a dataset is refused: several times what the W3C suite's hardest positive
    /// test needs (test044 "poison – evil", between 1,000 and 5,000 units), far below what a poison
    /// clique costs (test074 stops here in a fraction of a second).
    public static let defaultWorkLimit = 20_000

    public init(hash: HashAlgorithm = .sha256, workLimit: Int = defaultWorkLimit) {
        self.hash = hash
        self.workLimit = workLimit
    }

    /// The result: the canonical label issued to each input blank node, and the dataset relabelled.
    public struct Result: Sendable {
        /// The input quads with their own labels (a quad may be there twice).
        let input: [Quad]
        public let canonicalLabels: [String: String]

        /// The quads with their blank nodes relabelled.
        public var quads: [Quad] { input.map { Quad(relabel($0.subject), $0.predicate, relabel($0.object), graph: $0.graph.map(relabel)) } }

        /// The dataset in canonical N-Quads (sorted lines).
        public var nquads: String { String(decoding: nquadsBytes, as: UTF8.self) }

        /// ``nquads`` as UTF-8 bytes, written from the input with the canonical labels.
        public var nquadsBytes: [UInt8] {
            var lines = NQuads.Lines()
            for quad in input { lines.append(quad) { canonicalLabels[$0] ?? $0 } }
            return lines.sortedAndJoined(unique: true)
        }

        private func relabel(_ term: RDFTerm) -> RDFTerm {
            guard case .blank(let label) = term, let issued = canonicalLabels[label] else { return term }
            return .blank(issued)
        }

        /// The canonical N-Quads as one line per quad (each with its newline), every blank node written
        /// with the label `relabel` gives its canonical label (`c14n0`, …), in code point order with a
        /// repeated line once: the canonical N-Quads with their labels replaced, as the selective
        /// disclosure cryptosuites sign them line by line (VC-DI-ECDSA, labelReplacementCanonicalizeNQuads).
        public func lines(relabelledBy relabel: (String) -> String) -> [String] {
            var lines: [String] = []
            lines.reserveCapacity(input.count)
            var bytes: [UInt8] = []
            for quad in input {
                bytes.removeAll(keepingCapacity: true)
                NQuads.appendLine(quad, to: &bytes) { relabel(canonicalLabels[$0] ?? $0) }
                lines.append(String(decoding: bytes, as: UTF8.self))
            }
            lines.sort(by: NQuads.codePointOrder)
            var unique: [String] = []
            unique.reserveCapacity(lines.count)
            // Lines compare by their bytes: Swift's `==` would take canonically equivalent strings as one.
            for line in lines where !(unique.last.map { $0.utf8.elementsEqual(line.utf8) } ?? false) { unique.append(line) }
            return unique
        }
    }

    /// Canonicalizes `quads`. A dataset is a set: a quad written twice counts once.
    public func canonicalize(_ quads: [Quad]) throws(RDFError) -> Result {
        var run = Run(algorithm: self, quads: quads)
        return try run.canonicalize()
    }

    /// Canonicalizes an N-Quads document and returns its canonical N-Quads.
    public func canonicalize(nquads text: String) throws(RDFError) -> String {
        try canonicalize(try NQuads.parse(text)).nquads
    }

    func digest(_ text: String) -> String { digest(Array(text.utf8)) }

    func digest(_ bytes: [UInt8]) -> String {
        switch hash {
        case .sha256: Hex.encode(Array(SHA256.hash(data: bytes)))
        case .sha384: Hex.encode(Array(SHA384.hash(data: bytes)))
        }
    }
}

/// Issues identifiers with a prefix and a counter, remembering the order (the spec's identifier issuer).
struct IdentifierIssuer: Sendable {
    let prefix: String
    private(set) var issued: [String: String] = [:]
    /// The existing identifiers in the order they were issued.
    private(set) var order: [String] = []

    init(prefix: String) { self.prefix = prefix }

    @discardableResult
    mutating func issue(_ existing: String) -> String {
        if let known = issued[existing] { return known }
        let identifier = prefix + String(order.count)
        issued[existing] = identifier
        order.append(existing)
        return identifier
    }
}

/// One canonicalization: the state of RDFC-1.0 §4.4.
private struct Run {
    let algorithm: RDFC10
    let quads: [Quad]
    /// The positions in `quads` of the quads each blank node occurs in, a quad written twice once.
    var quadsOf: [String: [Int]] = [:]
    /// The quads of the blank nodes with more than `scanLimit` of them.
    var largeQuadSets: [String: Set<Quad>] = [:]
    static let scanLimit = 16
    var canonical = IdentifierIssuer(prefix: "c14n")
    var firstDegree: [String: String] = [:]
    var work = 0

    init(algorithm: RDFC10, quads: [Quad]) {
        self.algorithm = algorithm
        self.quads = quads
        for (index, quad) in quads.enumerated() {
            for term in [quad.subject, quad.object, quad.graph] {
                if let label = term?.blankLabel { record(index, for: label) }
            }
        }
    }

    /// Adds the quad at `index` to the quads of `label`, unless an equal quad is there already. Most
    /// blank nodes have a few quads, compared one by one; past `scanLimit` a set takes over.
    private mutating func record(_ index: Int, for label: String) {
        let quad = quads[index]
        let known = quadsOf[label] ?? []
        if known.count < Self.scanLimit {
            guard !known.contains(where: { quads[$0] == quad }) else { return }
            if known.count == Self.scanLimit - 1 { largeQuadSets[label] = Set(known.map { quads[$0] } + [quad]) }
        } else {
            guard largeQuadSets[label, default: []].insert(quad).inserted else { return }
        }
        quadsOf[label, default: []].append(index)
    }

    mutating func canonicalize() throws(RDFError) -> RDFC10.Result {
        // Steps 3–5: first-degree hashes; a hash shared by no other blank node names it.
        var byHash: [String: [String]] = [:]
        for label in quadsOf.keys {
            byHash[hashFirstDegree(label), default: []].append(label)
        }
        for hash in byHash.keys.sorted(by: NQuads.codePointOrder) where byHash[hash]?.count == 1 {
            canonical.issue(byHash[hash]![0])
            byHash[hash] = nil
        }
        // Step 6: the rest, by their N-degree hashes.
        for hash in byHash.keys.sorted(by: NQuads.codePointOrder) {
            var paths: [(hash: String, issuer: IdentifierIssuer)] = []
            for label in byHash[hash]! where canonical.issued[label] == nil {
                var temporary = IdentifierIssuer(prefix: "b")
                temporary.issue(label)
                paths.append(try hashNDegree(label, issuer: temporary))
            }
            for path in paths.sorted(by: { NQuads.codePointOrder($0.hash, $1.hash) }) {
                for existing in path.issuer.order { canonical.issue(existing) }
            }
        }
        return RDFC10.Result(input: quads, canonicalLabels: canonical.issued)
    }

    /// Hash First Degree Quads (§4.6): the blank node's quads with it as `_:a` and every other blank node `_:z`.
    mutating func hashFirstDegree(_ label: String) -> String {
        if let known = firstDegree[label] { return known }
        var lines = NQuads.Lines()
        for index in quadsOf[label] ?? [] { lines.append(quads[index]) { $0.hasSameScalars(as: label) ? "a" : "z" } }
        let hash = algorithm.digest(lines.sortedAndJoined(unique: false))
        firstDegree[label] = hash
        return hash
    }

    /// Hash Related Blank Node (§4.7).
    mutating func hashRelated(_ related: String, quad: Quad, issuer: IdentifierIssuer, position: String) -> String {
        var input = position
        if position != "g", case .iri(let predicate) = quad.predicate { input += "<" + predicate + ">" }
        if let issued = canonical.issued[related] ?? issuer.issued[related] {
            input += "_:" + issued
        } else {
            input += hashFirstDegree(related)
        }
        return algorithm.digest(input)
    }

    /// Hash N-Degree Quads (§4.8), counting its calls and permutations against the work bound.
    mutating func hashNDegree(_ label: String, issuer start: IdentifierIssuer) throws(RDFError) -> (hash: String, issuer: IdentifierIssuer) {
        try spend()
        var issuer = start
        var relatedByHash: [String: [String]] = [:]
        for quad in (quadsOf[label] ?? []).map({ quads[$0] }) {
            for (term, position) in [(quad.subject, "s"), (quad.object, "o"), (quad.graph, "g")] {
                guard let related = term?.blankLabel, !related.hasSameScalars(as: label) else { continue }
                let hash = hashRelated(related, quad: quad, issuer: issuer, position: position)
                relatedByHash[hash, default: []].append(related)
            }
        }
        var data = ""
        for relatedHash in relatedByHash.keys.sorted(by: NQuads.codePointOrder) {
            data += relatedHash
            var chosenPath = ""
            var chosenIssuer: IdentifierIssuer?
            var permutations = Permutations(relatedByHash[relatedHash]!)
            while let permutation = permutations.next() {
                try spend()
                var candidate = issuer
                var path = ""
                var recursion: [String] = []
                var skip = false
                for related in permutation {
                    if let issued = canonical.issued[related] {
                        path += "_:" + issued
                    } else {
                        if candidate.issued[related] == nil { recursion.append(related) }
                        path += "_:" + candidate.issue(related)
                    }
                    if !chosenPath.isEmpty, path.utf8.count >= chosenPath.utf8.count, NQuads.codePointOrder(chosenPath, path) {
                        skip = true
                        break
                    }
                }
                if skip { continue }
                for related in recursion {
                    let result = try hashNDegree(related, issuer: candidate)
                    path += "_:" + candidate.issue(related)
                    path += "<" + result.hash + ">"
                    candidate = result.issuer
                    if !chosenPath.isEmpty, path.utf8.count >= chosenPath.utf8.count, NQuads.codePointOrder(chosenPath, path) {
                        skip = true
                        break
                    }
                }
                if skip { continue }
                if chosenPath.isEmpty || NQuads.codePointOrder(path, chosenPath) {
                    chosenPath = path
                    chosenIssuer = candidate
                }
            }
            data += chosenPath
            if let chosenIssuer { issuer = chosenIssuer }
        }
        return (algorithm.digest(data), issuer)
    }

    mutating func spend() throws(RDFError) {
        work += 1
        guard work <= algorithm.workLimit else {
            throw RDFError(.tooComplex, "canonicalizing the dataset took more than \(algorithm.workLimit) units of work (a poison graph?)")
        }
    }
}

/// The permutations of a list, in lexicographic order of positions (Heap's order is not needed: any
/// complete enumeration gives the same chosen path).
private struct Permutations {
    private var items: [String]
    private var indices: [Int]
    private var first = true

    init(_ items: [String]) {
        self.items = items
        indices = Array(items.indices)
    }

    mutating func next() -> [String]? {
        if first {
            first = false
            return items
        }
        // Next permutation of `indices` in lexicographic order.
        guard indices.count > 1, var i = indices.indices.dropLast().last else { return nil }
        while i >= 0, indices[i] >= indices[i + 1] { i -= 1 }
        guard i >= 0 else { return nil }
        var j = indices.count - 1
        while indices[j] <= indices[i] { j -= 1 }
        indices.swapAt(i, j)
        indices[(i + 1)...].reverse()
        return indices.map { items[$0] }
    }
}
