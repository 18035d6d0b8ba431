import EPCIS
import Encoding
import Foundation
import Testing
import VectorSupport

/// The sensor, quantity, error declaration, transformation and `EXISTS_` filters, over GS1's
/// example events; `maxEventCount` and master data conditions as parsed.
@Suite("EPCIS query language: sensor, quantity and error declaration filters", .vectors)
struct EPCISQueryFiltersTests {
    /// Every event of the GS1 examples under `folder`, with the file it came from.
    static func events(in folder: String) throws -> [(file: String, event: JSONObject)] {
        let directory = try Vectors.url("epcis/examples/\(folder)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".jsonld") }.sorted()
        return try files.flatMap { file -> [(file: String, event: JSONObject)] in
            guard let document = try? JSONValue(parsing: Array(try Data(contentsOf: directory.appendingPathComponent(file)))) else { return [] }
            return (document["epcisBody"]?["eventList"]?.arrayValue ?? []).compactMap(\.objectValue).map { (file, $0) }
        }
    }

    /// The files of `folder` with an event that the query of `pairs` matches.
    static func matchingFiles(_ pairs: [(String, String)], in folder: String = "WithSensorData") throws -> Set<String> {
        let query = try EPCISEventQuery(parameters: pairs.map { (name: $0.0, value: $0.1) })
        return Set(try events(in: folder).filter { query.matches($0.event, eventID: "", recordTime: Date()) }.map(\.file))
    }

    @Test("each sensor filter keeps the examples with such a report and drops the others")
    func sensorFilters() throws {
        let cases: [((String, String), kept: [String], dropped: [String])] = [
            (("EQ_type", "Speed"), ["SensorDataExample10.jsonld", "SensorDataExample4.jsonld"], ["SensorDataExample12.jsonld"]),
            (("EQ_type", "gs1:Temperature"), ["SensorDataExample1.jsonld"], ["SensorDataExample10.jsonld"]),
            (("EQ_deviceID", "urn:epc:id:giai:4000001.222"), ["SensorDataExample4.jsonld"], ["SensorDataExample1.jsonld"]),
            (("EQ_bizRules", "https://example.com/253/4012345000054987"), ["SensorDataExample2.jsonld"], ["SensorDataExample1.jsonld"]),
            (("EQ_stringValue", "someSensorOutput"), ["SensorDataExample6.jsonld", "SensorDataExample12.jsonld"], ["SensorDataExample1.jsonld"]),
            (("EQ_booleanValue", "true"), ["SensorDataExample7.jsonld"], ["SensorDataExample6.jsonld"]),
            (("EQ_hexBinaryValue", "f0f0f0"), ["SensorDataExample7.jsonld"], ["SensorDataExample6.jsonld"]),
            (("GE_value_CEL", "26.2"), ["SensorDataExample1.jsonld", "SensorDataExample5.jsonld"], ["SensorDataExample4.jsonld", "SensorDataExample13.jsonld"]),
            (("LT_value_CEL", "21"), ["SensorDataExample13.jsonld"], ["SensorDataExample1.jsonld"]),
            (("EQ_value_CEL", "26.1"), ["SensorDataExample1.jsonld"], ["SensorDataExample4.jsonld"]),
            (("GT_maxValue_CEL", "26.1"), ["SensorDataExample2.jsonld"], ["SensorDataExample3.jsonld"]),
            (("LE_minValue_CEL", "12.4"), ["SensorDataExample3.jsonld", "SensorDataExample6.jsonld"], ["SensorDataExample2.jsonld"]),
            (("GE_meanValue_CEL", "26.1"), ["SensorDataExample2.jsonld"], ["SensorDataExample6.jsonld"]),
            (("LT_sDev_CEL", "1"), [], ["SensorDataExample1.jsonld"]),
            (("GE_value_KEL", "0"), [], ["SensorDataExample1.jsonld"]),
            (("GE_percRank", "50"), ["SensorDataExample6.jsonld"], ["SensorDataExample1.jsonld"]),
            (("LT_percRank", "50"), [], ["SensorDataExample6.jsonld"]),
            (("GE_time", "2020-01-01T00:00:00Z"), ["SensorDataExample15.jsonld"], ["SensorDataExample1.jsonld"]),
            (("LT_time", "2019-04-02T14:10:00+01:00"), ["SensorDataExample1.jsonld"], ["SensorDataExample15.jsonld"]),
            (("EQ_time", "2021-05-27T14:50:00+02:00"), ["SensorDataExample15.jsonld"], ["SensorDataExample1.jsonld"]),
            (("EXISTS_sensorElementList", ""), ["SensorDataExample1.jsonld"], []),
        ]
        for (parameter, kept, dropped) in cases {
            let files = try Self.matchingFiles([parameter])
            for file in kept { #expect(files.contains(file), "\(parameter) keeps \(file)") }
            for file in dropped { #expect(!files.contains(file), "\(parameter) drops \(file)") }
        }
        let plain = try Self.matchingFiles([("EXISTS_sensorElementList", "false")], in: ".")
        #expect(plain.contains("Example_9.6.1-ObjectEvent.jsonld"))
        #expect(try !Self.matchingFiles([("EXISTS_sensorElementList", "")], in: ".").contains("Example_9.6.1-ObjectEvent.jsonld"))
    }

    @Test("quantity, error declaration and transformation filters keep and drop the right examples")
    func otherFilters() throws {
        #expect(try Self.matchingFiles([("EQ_quantity", "200")], in: ".") == ["Example_9.6.2-ObjectEvent.jsonld"])
        #expect(try Self.matchingFiles([("GT_quantity", "200")], in: ".") == ["Example_9.6.3-AggregationEvent.jsonld", "Example_9.6.4-TransformationEvent.jsonld"])
        #expect(try Self.matchingFiles([("LE_quantity", "4")], in: ".") == ["Example-Type-sourceOrDestination,measurement,bizTransaction.jsonld"])
        #expect(try Self.matchingFiles([("GE_quantity", "1000")], in: ".").isEmpty)

        let errors = "WithErrorDeclaration"
        let declared = "ErrorDeclarationAndCorrectiveEvent.jsonld"
        let declaring = try Self.events(in: errors).filter { $0.file == declared }
        #expect(declaring.count == 2)
        let match: ([(String, String)]) throws -> Int = { pairs in
            let query = try EPCISEventQuery(parameters: pairs.map { (name: $0.0, value: $0.1) })
            return declaring.filter { query.matches($0.event, eventID: "", recordTime: Date()) }.count
        }
        #expect(try match([("GE_errorDeclarationTime", "2020-01-14T23:00:00Z")]) == 1)
        #expect(try match([("GE_errorDeclarationTime", "2020-01-14T23:00:00.001Z")]) == 0)
        #expect(try match([("LT_errorDeclarationTime", "2020-01-14T23:00:00.001Z")]) == 1)
        #expect(try match([("LT_errorDeclarationTime", "2020-01-14T23:00:00Z")]) == 0)
        #expect(try match([("EQ_errorReason", "urn:epcglobal:cbv:er:incorrect_data")]) == 1)
        #expect(try match([("EQ_errorReason", "did_not_occur")]) == 0)
        #expect(try match([("EQ_correctiveEventID", "urn:uuid:404d95fc-9457-4a51-bd6a-0bba133845a8")]) == 1)
        #expect(try match([("EQ_correctiveEventID", "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8")]) == 0)

        let full = "WithFullCombinationOfFields"
        #expect(try Self.matchingFiles([("EQ_transformationID", "urn:epc:id:gdti:0614141.12345.400")], in: full) == ["transformation_event_all_possible_fields.jsonld"])
        #expect(try Self.matchingFiles([("EQ_transformationID", "urn:epc:id:gdti:0614141.12345.401")], in: full).isEmpty)
    }

    @Test("malformed sensor, quantity and count parameters are refused with their codes")
    func refusals() {
        let cases: [([(String, String)], String)] = [
            ([("GE_value_cel", "1")], "epcis_query_parameter_invalid"),
            ([("GE_value_", "1")], "epcis_query_parameter_invalid"),
            ([("GE_value_CEL", "warm")], "epcis_query_parameter_invalid"),
            ([("EQ_quantity", "NaN")], "epcis_query_parameter_invalid"),
            ([("GT_time", "2019-04-02T14:50:00Z")], "epcis_query_parameter_unknown"),
            ([("GE_time", "noon")], "epcis_query_parameter_invalid"),
            ([("EQ_booleanValue", "yes")], "epcis_query_parameter_invalid"),
            ([("EQ_type", "")], "epcis_query_parameter_invalid"),
            ([("GE_colour_CEL", "1")], "epcis_query_parameter_unknown"),
            ([("EXISTS_colour", "")], "epcis_query_parameter_unknown"),
            ([("maxEventCount", "-1")], "epcis_query_parameter_invalid"),
            ([("maxEventCount", "5"), ("orderBy", "eventTime"), ("eventCountLimit", "5")], "epcis_query_parameter_invalid"),
            ([("HASATTR_bizStep", "x")], "epcis_query_parameter_invalid"),
            ([("EQ_ATTR_readPoint_", "x")], "epcis_query_parameter_unknown"),
            ([("GE_errorDeclarationTime", "today")], "epcis_query_parameter_invalid"),
        ]
        for (pairs, code) in cases {
            do {
                _ = try EPCISEventQuery(parameters: pairs.map { (name: $0.0, value: $0.1) })
                Issue.record("\(pairs) was accepted")
            } catch {
                #expect(error.code == code, "\(pairs)")
            }
        }
    }

    @Test("master data conditions match only once resolved, and then the locations found")
    func masterDataConditions() async throws {
        let event: JSONObject = ["type": "ObjectEvent", "readPoint": ["id": "urn:epc:id:sgln:4012345.00001.1"]]
        var query = try EPCISEventQuery(parameters: [
            (name: "WD_readPoint", value: "urn:epc:id:sgln:4012345.00001.0"), (name: "EQ_ATTR_readPoint_cbvmda:sst", value: "201"),
        ])
        #expect(!query.matches(event, eventID: "", recordTime: Date()), "unresolved: the descendants are not known")
        try await query.resolveMasterData(from: Hierarchy(), operators: ["did:example:op"])
        #expect(query.matches(event, eventID: "", recordTime: Date()))
        let sibling: JSONObject = ["type": "ObjectEvent", "readPoint": ["id": "urn:epc:id:sgln:4012345.00002.1"]]
        #expect(!query.matches(sibling, eventID: "", recordTime: Date()))
    }

    /// One parent location with one child, whose attribute `cbvmda:sst` is 201.
    struct Hierarchy: EPCISMasterDataRepository {
        // Stored ids are canonical (GS1 Digital Links), as the stores keep them.
        static let (site, room, otherRoom) = (
            EventCredentialIssuer.canonicalIdentifier("urn:epc:id:sgln:4012345.00001.0"),
            EventCredentialIssuer.canonicalIdentifier("urn:epc:id:sgln:4012345.00001.1"),
            EventCredentialIssuer.canonicalIdentifier("urn:epc:id:sgln:4012345.00002.1")
        )

        func vocabularyDescendants(of roots: [String], type: String, operators: [String]) async throws -> Set<String> {
            Set(roots).union(roots.contains(Self.site) ? [Self.room] : [])
        }

        func vocabularyElements(type: String, attribute: String, values: [String]?, operators: [String]) async throws -> Set<String> {
            attribute == "cbvmda:sst" && (values?.contains("201") ?? true) ? [Self.room, Self.otherRoom] : []
        }
    }
}
