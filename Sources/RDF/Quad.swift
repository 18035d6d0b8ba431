/// An RDF term as N-Quads writes it: an IRI, a blank node, or a literal with its datatype or
/// language tag (RDF 1.1: a literal with a language tag has datatype `rdf:langString`).
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
