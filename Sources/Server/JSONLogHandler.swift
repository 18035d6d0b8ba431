import Encoding
import Foundation
import Logging

/// A log handler that writes one JSON object per line to standard error: time, level, label,
/// message, source and metadata. Machines read it; `LogFormat.text` is for people.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line: JSONObject = [
            "time": .string(Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
            "level": .string(event.level.rawValue),
            "label": .string(label),
            "message": .string(event.message.description),
            "source": .string(event.source),
        ]
        for (key, value) in Self.object(metadata.merging(event.metadata ?? [:]) { _, new in new }) {
            line[key] = value
        }
        var bytes = JSONValue.object(line).serialized()
        bytes.append(0x0A)
        FileHandle.standardError.write(Data(bytes))
    }

    private static func object(_ metadata: Logger.Metadata) -> JSONObject {
        var object = JSONObject()
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { object[key] = json(value) }
        return object
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let string): .string(string)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let members):
            .object(object(members))
        }
    }
}
