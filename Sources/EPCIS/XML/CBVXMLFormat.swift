/// How CBV values are written in EPCIS XML answers, as a client asks with the REST binding's
/// `GS1-CBV-XML-Format` header. EPCIS JSON writes a CBV value as its bare word (`shipping`); XML
/// writes it as a URN (`urn:epcglobal:cbv:bizstep:shipping`) or a Web URI
/// (`https://ref.gs1.org/cbv/BizStep-shipping`).
public enum CBVXMLFormat: String, Sendable, Hashable, CaseIterable {
    /// The repository chooses: URNs, the form of EPCIS 1.x and of GS1's XML examples.
    case noPreference = "No_Preference"
    /// Every CBV value as its Web URI.
    case alwaysWebURI = "Always_Web_URI"
    /// Every CBV value as its URN (the measurement, alert and component vocabularies, which have no
    /// URNs, as their Web URIs).
    case alwaysURN = "Always_URN"
    /// Values as stored: bare words get the XML binding's own form (the URN), URIs stay as they are.
    case neverTranslates = "Never_Translates"
}

/// The XML forms of each CBV vocabulary and the translations between them and the JSON bare word.
extension CBVVocabulary {
    /// `urn:epcglobal:cbv:bizstep:` etc.; nil for the vocabularies without URNs.
    var urnPrefix: String? {
        switch self {
        case .bizStep: "urn:epcglobal:cbv:bizstep:"
        case .disposition: "urn:epcglobal:cbv:disp:"
        case .bizTransactionType: "urn:epcglobal:cbv:btt:"
        case .sourceDestType: "urn:epcglobal:cbv:sdt:"
        case .errorReason: "urn:epcglobal:cbv:er:"
        case .component, .sensorAlertType, .measurementType: nil
        }
    }

    /// The Web URI a bare word is appended to.
    var webURIPrefix: String {
        switch self {
        case .bizStep: "https://ref.gs1.org/cbv/BizStep-"
        case .disposition: "https://ref.gs1.org/cbv/Disp-"
        case .bizTransactionType: "https://ref.gs1.org/cbv/BTT-"
        case .sourceDestType: "https://ref.gs1.org/cbv/SDT-"
        case .errorReason: "https://ref.gs1.org/cbv/ER-"
        case .component: "https://ref.gs1.org/cbv/Comp-"
        case .sensorAlertType, .measurementType: "https://gs1.org/voc/"
        }
    }

    /// The compact form GS1's XML examples use where there is no URN (`gs1:Temperature`, `cbv:Comp-x`),
    /// recognized when translating to another form.
    var curiePrefix: String {
        switch self {
        case .sensorAlertType, .measurementType: "gs1:"
        default: "cbv:" + webURIPrefix.dropFirst("https://ref.gs1.org/cbv/".count)
        }
    }

    /// The JSON form of an XML value: the URN or Web URI of one of this vocabulary's words becomes
    /// the bare word (the JSON binding refuses those URIs); anything else, CURIEs such as
    /// `gs1:Temperature` included (JSON-LD reads them as the same IRI), is kept as written.
    func jsonValue(ofXML value: String) -> String {
        word(in: value, forms: [urnPrefix, webURIPrefix].compactMap { $0 }) ?? value
    }

    /// The word of this vocabulary a value names in one of `forms`, or nil.
    private func word(in value: String, forms: [String]) -> String? {
        for prefix in forms where value.hasPrefix(prefix) {
            let word = String(value.dropFirst(prefix.count))
            if words.contains(word) { return word }
        }
        return nil
    }

    /// The XML form of a JSON value in `format`: a bare word becomes its URN (or CURIE) or its Web
    /// URI; a URI or CURIE of this vocabulary is translated when the format asks for one form.
    func xmlValue(ofJSON value: String, format: CBVXMLFormat) -> String {
        let word = words.contains(value) ? value : word(in: value, forms: [urnPrefix, webURIPrefix, curiePrefix].compactMap { $0 }) ?? value
        guard words.contains(word) else { return value }
        let isBare = word == value
        switch format {
        case .alwaysWebURI: return webURIPrefix + word
        case .alwaysURN: return (urnPrefix ?? webURIPrefix) + word
        case .noPreference, .neverTranslates: return isBare ? (urnPrefix ?? webURIPrefix) + word : value
        }
    }
}
