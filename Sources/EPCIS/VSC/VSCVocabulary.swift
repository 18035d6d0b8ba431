import Encoding

/// The Verifiable Supply Chain (VSC) terms: one credential type per EPCIS event type, and the link
/// from a custody step to the credentials of the steps before it (REQ-F04). The JSON-LD context that
/// defines them is shipped in `Sources/RDF/Contexts` (so verifiers never fetch it) and served at
/// `/ns/vsc/v1`, the path of its IRI.
public enum VSCVocabulary {
    /// The `@context` URL of the VSC terms.
    public static let contextURL = "https://voltpass.dev/ns/vsc/v1"
    /// The ratified EPCIS 2.0 JSON-LD context, used when a document brings none of its own.
    public static let epcisContextURL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    /// The VC 2.0 base context.
    public static let credentialsContextURL = "https://www.w3.org/ns/credentials/v2"
    /// The subject member holding the ids of the predecessor credentials.
    public static let predecessorsTerm = "predecessors"

    /// The credential type for each of the five EPCIS event types.
    public static let credentialTypes: [String: String] = [
        "ObjectEvent": "VscObjectEventCredential",
        "AggregationEvent": "VscAggregationEventCredential",
        "TransformationEvent": "VscTransformationEventCredential",
        "TransactionEvent": "VscTransactionEventCredential",
        "AssociationEvent": "VscAssociationEventCredential",
    ]

    /// The IRI the VSC terms expand under (the `vsc:` prefix).
    public static let namespace = "https://voltpass.dev/ns/vsc#"
}
