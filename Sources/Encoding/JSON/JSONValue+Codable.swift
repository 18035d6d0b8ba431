#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension JSONValue {
    /// The JSON value of `value` as Foundation's `JSONEncoder` writes it, read back by our parser.
    public init(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws(JSONError) {
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw JSONError(.encodingFailed, "could not encode \(type(of: value)) as JSON: \(error)")
        }
        try self.init(parsing: data)
    }

    /// Decodes this value into `type` with Foundation's `JSONDecoder`, from our serialization.
    public func decode<T: Decodable>(_ type: T.Type = T.self, decoder: JSONDecoder = JSONDecoder()) throws(JSONError)
        -> T
    {
        do {
            return try decoder.decode(type, from: Data(serialized()))
        } catch {
            throw JSONError(.decodingFailed, "could not decode \(type) from JSON: \(error)")
        }
    }
}
