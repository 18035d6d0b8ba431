/// One element of a parsed XML document, names resolved against their namespaces: its attributes
/// (namespace declarations left out), child elements in order, and its character data (the text of
/// its direct children, references replaced; whitespace-only text beside child elements dropped).
struct XMLElementNode: Sendable {
    /// The namespace name, "" for none.
    var namespace: String
    var localName: String
    /// The prefix written in the document, "" for none.
    var prefix: String
    var attributes: [XMLAttributeNode]
    var children: [XMLElementNode]
    var text: String
    /// The line the start tag is on (1-based), for messages.
    var line: Int
    /// The namespace declarations this element carries: (prefix, namespace), "" for the default one.
    var declarations: [(prefix: String, namespace: String)] = []

    /// The value of the attribute `localName` in no namespace.
    func attribute(_ localName: String) -> String? {
        attributes.first { $0.namespace.isEmpty && $0.localName == localName }?.value
    }

    /// `{namespace}localName`, or the local name alone when it has no namespace.
    var expandedName: String { namespace.isEmpty ? localName : "{\(namespace)}\(localName)" }
}

/// An attribute with its name resolved: an unprefixed attribute is in no namespace.
struct XMLAttributeNode: Sendable {
    var namespace: String
    var localName: String
    var prefix: String
    var value: String
}
