import Encoding

/// An RDF term as N-Quads writes it: an IRI, a blank node, or a literal with its datatype or
/// language tag (RDF 1.1: a literal with a language tag has datatype `rdf:langString`). Terms are
/// equal when their strings have the same code points (RDF compares characters, not Unicode's
/// canonical equivalence that Swift's `==` on strings applies: `"\u{e9}"` and `"e\u{301}"` are two
/// literals).
public enum RDFTerm: Sendable, Hashable {
    case iri(String)
    /// A blank node by its label (without `_:`).
    case blank(String)
    case literal(String, datatype: String, language: String?)

    public static let xsdString = "http://www.w3.org/2001/XMLSchema#string"
    public static let langString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

    /// A plain string literal (`xsd:string`).
    public static func string(_ value: String) -> RDFTerm { .literal(value, datatype: xsdString, language: nil) }

    /// The blank node label, when the term is one.
    public var blankLabel: String? {
        if case .blank(let label) = self { return label }
        return nil
    }

    public static func == (left: RDFTerm, right: RDFTerm) -> Bool {
        switch (left, right) {
        case (.iri(let a), .iri(let b)), (.blank(let a), .blank(let b)):
            a.hasSameScalars(as: b)
        case (.literal(let a, let aType, let aLanguage), .literal(let b, let bType, let bLanguage)):
            a.hasSameScalars(as: b) && aType.hasSameScalars(as: bType) && (aLanguage ?? "").hasSameScalars(as: bLanguage ?? "")
                && (aLanguage == nil) == (bLanguage == nil)
        default:
            false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .iri(let iri):
            hasher.combine(0)
            iri.hashScalars(into: &hasher)
        case .blank(let label):
            hasher.combine(1)
            label.hashScalars(into: &hasher)
        case .literal(let value, let datatype, let language):
            hasher.combine(2)
            value.hashScalars(into: &hasher)
            datatype.hashScalars(into: &hasher)
            (language ?? "").hashScalars(into: &hasher)
            hasher.combine(language == nil)
        }
    }
}

/// A quad: subject, predicate, object, and the graph it belongs to (nil: the default graph).
public struct Quad: Sendable, Hashable {
    public var subject: RDFTerm
    public var predicate: RDFTerm
    public var object: RDFTerm
    public var graph: RDFTerm?

    public init(_ subject: RDFTerm, _ predicate: RDFTerm, _ object: RDFTerm, graph: RDFTerm? = nil) {
        self.subject = subject
        self.predicate = predicate
        self.object = object
        self.graph = graph
    }
}

/// A failure to read N-Quads or to canonicalize a dataset, with a stable code.
public struct RDFError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The text is not N-Quads (the message names the line).
        case invalidNQuads = "nquads_invalid"
        /// Canonicalization stopped: the dataset needs more work than the bound allows (a poison graph).
        case tooComplex = "rdfc_too_complex"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    public var description: String { "\(code): \(message)" }
}
