import EPCIS
import Foundation
import Encoding
import HTTPTypes
import Hummingbird
import NIOCore

/// The XML side of the EPCIS 2.0 REST binding: a capture body sent as `application/xml` or
/// `text/xml` is read into the EPCIS JSON form (then signed and stored as a JSON capture is), and a
/// query answers an EPCISQueryDocument in XML when `Accept` prefers XML to JSON, its CBV values in
/// the form `GS1-CBV-XML-Format` asks for. JSON stays the default both ways.
enum EPCISXMLBinding {
    /// The capture body as EPCIS JSON: XML (by `Content-Type`) mapped to its JSON-LD form, anything
    /// else parsed as JSON. XML that is malformed, hostile or outside the schema is refused with its
    /// `xml_…` code (400, `epcisException:ValidationException`).
    static func captureDocument(_ request: Request, limit: Int) async throws -> JSONValue {
        guard let type = request.headers[.contentType], EPCISXML.mediaTypes.contains(mediaType(type)) else {
            return try await request.jsonBody(limit: limit)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: limit)
        }
        return .object(try EPCISXML.read(Array(buffer.readableBytesView)))
    }

    /// The query answer: the document as JSON, or as XML when `Accept` prefers it. `headers` are the
    /// answer's (paging links); its `Content-Type` is set here.
    static func queryResponse(_ document: JSONObject, request: Request, headers: HTTPFields) throws -> Response {
        let format = try cbvFormat(request.headers[.gs1CBVXMLFormat])
        var headers = headers
        guard prefersXML(request.headers[.accept]) else {
            headers[.contentType] = "application/json"
            return .bytes(JSONValue.object(document).serialized(), headers: headers)
        }
        let query = try EPCISQueryDocument(json: .object(document))
        // GS1's JSON schema allows several certificationInfo URIs, its 2.0 XSD one: such an event has no
        // XML the schema accepts, so the answer is refused rather than written invalid or cut short.
        if let event = query.eventList.first(where: { ($0.json["certificationInfo"]?.arrayValue?.count ?? 0) > 1 }) {
            throw APIError(
                .notAcceptable, code: "epcis_xml_unrepresentable",
                "event \(event.json["eventID"]?.stringValue ?? "") names several certificationInfo URIs, which the EPCIS 2.0 XSD cannot carry; ask for JSON")
        }
        headers[.contentType] = "application/xml; charset=utf-8"
        headers[.gs1CBVXMLFormat] = format.rawValue
        return .bytes(EPCISXML.xml(query, cbvFormat: format), headers: headers)
    }

    /// `GS1-CBV-XML-Format`: `No_Preference` when absent; another value than the binding's four is 406.
    static func cbvFormat(_ header: String?) throws -> CBVXMLFormat {
        guard let header else { return .noPreference }
        guard let format = CBVXMLFormat(rawValue: header) else {
            throw APIError(
                .notAcceptable, code: "epcis_cbv_xml_format_unsupported",
                "GS1-CBV-XML-Format is No_Preference, Always_Web_URI, Always_URN or Never_Translates, not '\(header)'")
        }
        return format
    }

    /// Whether `Accept` ranks XML (`application/xml`, `text/xml`) above JSON (`application/json`,
    /// `application/ld+json`) by quality value; wildcards and ties leave JSON the answer.
    static func prefersXML(_ accept: String?) -> Bool {
        guard let accept else { return false }
        var xml = 0.0
        var json = 0.0
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = parts.first?.lowercased() else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            if EPCISXML.mediaTypes.contains(type) { xml = max(xml, quality) }
            if type == "application/json" || type == "application/ld+json" { json = max(json, quality) }
        }
        return xml > json
    }

    /// The media type of a `Content-Type` value, lowercased, without parameters.
    static func mediaType(_ value: String) -> String {
        String(value.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }
}

extension HTTPField.Name {
    static let gs1CBVXMLFormat = Self("GS1-CBV-XML-Format")!
}
