import Encoding

/// The EPCIS 2.0 XML binding: XML documents read into the EPCIS JSON-LD form the rest of Voltpass
/// works with, and JSON-form documents written as XML, following the standard's XML/JSON
/// correspondence. EPCIS 1.x XML is read and converted to 2.0.
public enum EPCISXML {
    /// The media types an XML capture or answer may carry.
    public static let mediaTypes: Set<String> = ["application/xml", "text/xml"]

    /// Reads an EPCISDocument or EPCISQueryDocument into its JSON-LD form (`EPCISDocument(json:)`
    /// or `EPCISQueryDocument(json:)` reads that, `EPCISValidator` validates it). With
    /// `checkingSchema`, an EPCIS 2.0 EPCISDocument must also keep the XML schema's structure.
    /// Throws the first problem, with its stable code; hostile input is refused, never expanded.
    public static func read(_ bytes: [UInt8], limits: XMLLimits = XMLLimits(), checkingSchema: Bool = true) throws(EPCISXMLError) -> JSONObject {
        let root = try XMLTreeParser.parse(bytes, limits: limits)
        if checkingSchema { try EPCISXMLSchemaCheck.check(root) }
        return try EPCISXMLReader.json(of: root)
    }

    /// The EPCIS 2.0 XML of a document (UTF-8), CBV values in `cbvFormat`.
    public static func xml(_ document: EPCISDocument, cbvFormat: CBVXMLFormat = .noPreference) -> [UInt8] {
        EPCISXMLWriter.xml(of: document, format: cbvFormat)
    }

    /// The EPCIS 2.0 XML of a query document (UTF-8), CBV values in `cbvFormat`.
    public static func xml(_ document: EPCISQueryDocument, cbvFormat: CBVXMLFormat = .noPreference) -> [UInt8] {
        EPCISXMLWriter.xml(of: document, format: cbvFormat)
    }
}
