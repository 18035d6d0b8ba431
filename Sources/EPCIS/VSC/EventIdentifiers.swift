import Encoding

extension EventIdentifier {
    /// Every identifier `event` mentions, with its role: `epcList` and `quantityList` classes are
    /// `what`; `parentID` is `parent`; `childEPCs` and `childQuantityList` classes are `child`;
    /// the transformation lists are `input` and `output`. In the order the event lists them.
    public static func all(in event: JSONObject) -> [EventIdentifier] {
        var found: [EventIdentifier] = []
        func strings(_ key: String, _ role: IdentifierRole) {
            for value in event[key]?.arrayValue ?? [] {
                if let text = value.stringValue { found.append(EventIdentifier(text, role)) }
            }
        }
        func classes(_ key: String, _ role: IdentifierRole) {
            for value in event[key]?.arrayValue ?? [] {
                if let text = value["epcClass"]?.stringValue { found.append(EventIdentifier(text, role)) }
            }
        }
        if let parent = event["parentID"]?.stringValue { found.append(EventIdentifier(parent, .parent)) }
        strings("epcList", .what)
        classes("quantityList", .what)
        strings("childEPCs", .child)
        classes("childQuantityList", .child)
        strings("inputEPCList", .input)
        classes("inputQuantityList", .input)
        strings("outputEPCList", .output)
        classes("outputQuantityList", .output)
        return found
    }
}
