/// GS1 element strings (the AI data a barcode carries) and their Digital Link form.
extension GS1DigitalLink {
    /// Creates a Digital Link from GS1 element strings in bracketed form, e.g.
    /// `(01)09520123456788(10)ABC(17)251231`: the first primary key with its qualifiers goes into the
    /// path, every other AI into the query (predefined-length AIs first), repeated identical AIs once.
    public init(
        elementString: String, stem: String = GS1DigitalLink.canonicalStem, permitUnknownAttributes: Bool = false
    ) throws(GS1Error) {
        var elements: [GS1Element] = []
        for element in try Self.bracketedElements(elementString) {
            if let existing = elements.first(where: { $0.ai == element.ai }) {
                guard existing.value == element.value else {
                    throw GS1Error(.invalidQualifier, "(\(element.ai)) appears twice with different values")
                }
                continue
            }
            elements.append(element)
        }
        guard let keyIndex = elements.firstIndex(where: { GS1ApplicationIdentifier.named($0.ai)?.isPrimaryKey == true }),
            let paths = GS1ApplicationIdentifier.named(elements[keyIndex].ai)?.qualifierPaths
        else { throw GS1Error(.notAnIdentifier, "no GS1 primary key in \(elementString.prefix(80))") }
        let key = elements.remove(at: keyIndex)
        let qualifierAIs = Set(paths.joined())
        let present = elements.filter { qualifierAIs.contains($0.ai) }
        guard let path = present.isEmpty ? [] : paths.first(where: { path in present.allSatisfy { path.contains($0.ai) } }) else {
            throw GS1Error(.invalidQualifier, "the qualifiers \(present.map { "(\($0.ai))" }.joined()) cannot be combined")
        }
        let qualifiers = path.compactMap { ai in present.first { $0.ai == ai } }
        let rest = elements.filter { !qualifierAIs.contains($0.ai) }
        let predefined = rest.filter { GS1ApplicationIdentifier.named($0.ai)?.hasPredefinedLength == true }
        let attributes = predefined + rest.filter { GS1ApplicationIdentifier.named($0.ai)?.hasPredefinedLength != true }
        let identifier = try GS1Identifier(key: key, qualifiers: qualifiers)
        try Self.validate(attributes: attributes, of: identifier, permitUnknown: permitUnknownAttributes)
        self.init(identifier: identifier, stem: stem, attributes: attributes)
    }

    /// The GS1 element string: `^` marks GS1 data at the start and separates (FNC1) an AI that has
    /// no predefined length from the next one, e.g. `^010952012345678810ABC1^2112345`.
    public var elementString: String {
        let elements = [identifier.key] + identifier.qualifiers + attributes
        var text = "^"
        for (index, element) in elements.enumerated() {
            text += element.ai + element.value
            if index < elements.count - 1, GS1ApplicationIdentifier.named(element.ai)?.hasPredefinedLength != true { text += "^" }
        }
        return text
    }

    private static func bracketedElements(_ text: String) throws(GS1Error) -> [GS1Element] {
        var elements: [GS1Element] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard rest.first == "(", let close = rest.firstIndex(of: ")") else {
                throw GS1Error(.notAnIdentifier, "expected '(AI)' at \(rest.prefix(20))")
            }
            let ai = rest[rest.index(after: rest.startIndex)..<close]
            guard (2...4).contains(ai.utf8.count), ai.isAllDigits else { throw GS1Error(.unknownScheme, "'(\(ai))' is not an AI") }
            rest = rest[rest.index(after: close)...]
            let end = rest.firstIndex(of: "(") ?? rest.endIndex
            guard end > rest.startIndex else { throw GS1Error(.invalidComponent, "(\(ai)) has no value") }
            elements.append(GS1Element(ai: String(ai), value: String(rest[..<end])))
            rest = rest[end...]
        }
        return elements
    }
}
