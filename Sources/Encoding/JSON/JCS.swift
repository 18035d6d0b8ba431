/// JSON Canonicalization Scheme (RFC 8785): the one byte sequence that signers and verifiers
/// hash. Members are sorted by the UTF-16 code units of their names at every level, arrays keep
/// their order, strings use minimal escaping, numbers use ECMAScript form, and there is no
/// whitespace. Lone surrogates, which RFC 8785 forbids, cannot occur: Swift strings hold only
/// Unicode scalars, and the parser rejects them (`json_lone_surrogate`).
public enum JCS {
    /// The canonical UTF-8 bytes of `value`; NaN or an infinity anywhere is `json_number_not_finite`.
    public static func canonicalize(_ value: JSONValue) throws(JSONError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        try JSONWriter.write(value, sortKeys: true, pretty: false, into: &out) { (number, out) throws(JSONError) in
            guard number.isFinite else {
                throw JSONError(.numberNotFinite, "\(number) is not a JSON number")
            }
            ES6Number.appendFinite(number, to: &out)
        }
        return out
    }

    /// Parses JSON text strictly (see `JSONValue(parsing:limits:)`) and canonicalizes it.
    public static func canonicalize(json: some Collection<UInt8>, limits: JSONLimits = .default)
        throws(JSONError) -> [UInt8]
    {
        try canonicalize(JSONValue(parsing: json, limits: limits))
    }
}
