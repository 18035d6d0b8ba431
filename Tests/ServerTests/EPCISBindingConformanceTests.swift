import Encoding
import Foundation
import HTTPTypes
import NIOCore
import Server
import ServerTestSupport
import Testing
import VectorSupport

/// Requests and responses of the implemented binding operations, checked against GS1's published
/// `openapi.yaml` by an independent validator (openapi-schema-validator and jsonschema, in Python).
@Suite("EPCIS 2.0 REST binding against GS1's openapi.yaml")
struct EPCISBindingConformanceTests {
    static let validatorAvailable = ReferencePython.canImport("yaml", "jsonschema", "openapi_schema_validator")

    /// Reads the exchanges (JSON on standard input) and prints one line per mismatch with the binding:
    /// an undeclared query parameter, status, media type or header, or a value or body its schema refuses.
    /// The binding's bodies that point into GS1's JSON schema (`JSON-Schema-Stub.json#/definitions/…`) are
    /// checked against `EPCIS-JSON-Schema.json`'s definition of that name. Four defects of the binding
    /// are worked around: `GET /events` and `POST /queries` list no 400 (the per-dimension resources'
    /// `400QueryIssues` stands in); `CaptureJob`'s `oneOf` of two branches without `required` matches
    /// every object twice (read as `anyOf`); `409ResourceAlreadyExistsException` says status 406 (read
    /// as 409); and `GET /queries/{queryName}` declares an array where its example is one query object
    /// (read as the object).
    static let script = #"""
        import sys, json, re, yaml
        from jsonschema import Draft7Validator
        from openapi_schema_validator import OAS30Validator
        spec = yaml.safe_load(open(sys.argv[1]))
        epcis = json.load(open(sys.argv[2]))
        job = spec['components']['schemas']['CaptureJob']['allOf'][1]
        job['anyOf'] = job.pop('oneOf')
        conflict = spec['components']['responses']['409ResourceAlreadyExistsException']['content']['application/problem+json']['schema']
        conflict['allOf'][0]['properties']['status'] = {'type': 'integer', 'enum': [409]}
        definition = spec['paths']['/queries/{queryName}']['get']['responses']['200']['content']['application/json']
        definition['schema'] = definition['schema']['items']
        STUB = 'JSON-Schema-Stub.json#/definitions/'
        def local(ref):
            node = spec
            for part in ref[2:].split('/'):
                node = node[part]
            return node
        def inline(node):
            if isinstance(node, dict):
                if '$ref' in node:
                    return inline(local(node['$ref'])) if node['$ref'].startswith('#/') else {}
                return {k: inline(v) for k, v in node.items()}
            if isinstance(node, list):
                return [inline(v) for v in node]
            return node
        def remote(node):
            while isinstance(node, dict) and node.get('$ref', '').startswith('#/'):
                node = local(node['$ref'])
            if isinstance(node, dict) and STUB in node.get('$ref', ''):
                return [node['$ref'].split(STUB)[1]]
            if isinstance(node, dict) and 'oneOf' in node and all(STUB in n.get('$ref', '') for n in node['oneOf']):
                return [n['$ref'].split(STUB)[1] for n in node['oneOf']]
            return None
        def schema_errors(node, value):
            names = remote(node)
            if names is None:
                return [e.message for e in OAS30Validator(inline(node)).iter_errors(value)]
            errors = []
            for name in names:
                found = [e.message for e in Draft7Validator({'$ref': '#/definitions/' + name, 'definitions': epcis['definitions']}).iter_errors(value)]
                if not found:
                    return []
                errors += found
            return errors[:3]
        def value_of(schema, text):
            kind = schema.get('type')
            if kind == 'array':
                return text.split('|')
            if kind == 'integer':
                return int(text) if re.fullmatch(r'-?\d+', text) else text
            if kind == 'boolean':
                return {'true': True, 'false': False}.get(text, text)
            return text
        for x in json.load(sys.stdin):
            where = '%s %s %s -> %s' % (x['method'], x['template'], x['uri'], x['status'])
            item = spec['paths'][x['template']]
            op = item[x['method'].lower()]
            params = [inline(p) for p in item.get('parameters', []) + op.get('parameters', [])]
            declared = {(p['in'], p['name'].lower() if p['in'] == 'header' else p['name']): p.get('schema', {}) for p in params}
            for name, text in x['query'].items():
                schema = declared.get(('query', name))
                if schema is None:
                    if not re.match('^EQ_(bizTransaction|source|destination)_', name) and name not in x.get('refusedParameters', []):
                        print(where, ': query parameter', name, 'is not in the binding')
                    continue
                if x['status'] < 400:
                    for e in schema_errors(schema, value_of(schema, text)):
                        print(where, ': query parameter', name, e)
            for name, text in x['requestHeaders'].items():
                schema = declared.get(('header', name.lower()))
                if schema is not None and x['status'] < 400:
                    for e in schema_errors(schema, text):
                        print(where, ': header', name, e)
            if x.get('requestBody') is not None:
                request = op['requestBody']
                while '$ref' in request:
                    request = local(request['$ref'])
                for e in schema_errors(request['content']['application/json']['schema'], x['requestBody']):
                    print(where, ': request body', e)
            responses = op['responses']
            status = str(x['status'])
            if status not in responses and status == '400':
                response = spec['components']['responses']['400QueryIssues']
            elif status not in responses:
                print(where, ': status', status, 'is not declared')
                continue
            else:
                response = responses[status]
            while '$ref' in response:
                response = local(response['$ref'])
            for name, header in response.get('headers', {}).items():
                header = inline(header)
                text = x['responseHeaders'].get(name.lower())
                if text is not None:
                    for e in schema_errors(header.get('schema', {}), text):
                        print(where, ': response header', name, e)
            content = response.get('content')
            if content is None:
                continue
            if x['contentType'] not in content:
                print(where, ': media type', x['contentType'], 'is not declared')
                continue
            for e in schema_errors(content[x['contentType']]['schema'], x['body']):
                print(where, ': response body', e)
        """#

    /// One request and its response, in the form the script reads.
    struct Exchanges {
        var list: [[String: Any]] = []

        mutating func record(
            _ template: String, _ uri: String, method: String = "GET", headers: HTTPFields = [:], body: String? = nil,
            refusedParameters: [String] = [], _ response: LoopbackResponse
        ) throws {
            let components = URLComponents(string: uri)
            var query: [String: String] = [:]
            for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
            var requestHeaders: [String: String] = [:]
            for field in headers where field.name != .authorization { requestHeaders[field.name.canonicalName] = field.value }
            var responseHeaders: [String: String] = [:]
            for field in response.headers { responseHeaders[field.name.canonicalName.lowercased()] = field.value }
            let text = Data(buffer: response.body)
            list.append([
                "template": template, "uri": uri, "method": method, "query": query, "requestHeaders": requestHeaders,
                "requestBody": try body.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) } ?? NSNull(),
                "status": Int(response.status.code), "contentType": response.headers[.contentType] ?? "",
                "responseHeaders": responseHeaders, "body": text.isEmpty ? NSNull() : try JSONSerialization.jsonObject(with: text),
                "refusedParameters": refusedParameters,
            ])
        }
    }

    @Test(
        "capture, capture jobs and queries (answers and refusals) conform to the binding's operations",
        .enabled(if: (validatorAvailable && Vectors.shouldRun) || Vectors.required, "python3 with PyYAML, jsonschema and openapi-schema-validator, or the vectors, are missing; fails under CI=true"))
    func conformsToTheBinding() async throws {
        let (count, input) = try await withLiveServer { client, _, admin in
            var exchanges = Exchanges()
            let issuer = try await CredentialRoutesTests.token(client, role: "issuer", admin: admin)
            let auth = HTTPFields.bearer(issuer)
            let base = EPCISBindingTests.base
            func get(_ template: String, _ uri: String, headers: HTTPFields = [:], refused: [String] = []) async throws {
                var all = auth
                all.append(contentsOf: headers)
                let response = try await client.execute(uri: base + uri, method: .get, headers: all)
                try exchanges.record(template, uri, headers: headers, refusedParameters: refused, response)
            }
            func capture(_ body: String, headers: HTTPFields = [:], token: HTTPFields? = nil) async throws -> LoopbackResponse {
                var all = token ?? auth
                all.append(contentsOf: headers)
                let response = try await client.execute(uri: base + "/capture", method: .post, headers: all, body: ByteBuffer(string: body))
                try exchanges.record("/capture", "/capture", method: "POST", headers: headers, body: body, response)
                return response
            }
            let example = try String(contentsOf: try Vectors.url("epcis/examples/Example_9.6.1-ObjectEvent.jsonld"), encoding: .utf8)
            let accepted = try await capture(example, headers: [.init("GS1-EPCIS-Version")!: "2.0.0", .init("GS1-CBV-Version")!: "2.0.0"])
            _ = try await capture(EPCISRoutesTests.document, headers: [.init("GS1-Capture-Error-Behaviour")!: "proceed"])
            let bad = EPCISRoutesTests.document.replacingOccurrences(of: #""outputEPCList":["#, with: #""action":"ADD","outputEPCList":["#)
            let failed = try await capture(bad)
            _ = try await capture(example, token: [:])
            _ = try await capture(example, headers: [.init("GS1-EPCIS-Version")!: "1.2.0"])
            let id = try #require(accepted.headers[.location]).split(separator: "/").last.map(String.init) ?? ""
            let failedID = try #require(failed.headers[.location]).split(separator: "/").last.map(String.init) ?? ""
            try await get("/capture/{captureID}", "/capture/\(id)")
            try await get("/capture/{captureID}", "/capture/\(failedID)")
            try await get("/capture/{captureID}", "/capture/unknown")
            try await get("/capture", "/capture?perPage=2")
            let item = EPCISBindingTests.percentEncoded(EPCISRoutesTests.item)
            try await get("/events", "/events?perPage=2")
            try await get("/events", "/events?eventType=ObjectEvent%7CTransformationEvent&EQ_action=OBSERVE&orderBy=eventTime&orderDirection=ASC&eventCountLimit=5")
            try await get("/events", "/events?GE_eventTime=2005-04-03T20:33:31.116-06:00&LT_recordTime=2100-01-01T00:00:00Z&EQ_bizStep=shipping%7Creceiving")
            try await get("/events", "/events?MATCH_anyEPC=\(item)&EQ_disposition=in_transit&EXISTS_errorDeclaration=true")
            try await get("/events", "/events?EQ_bizTransaction_po=http://transaction.acme.com/po/12345678")
            try await get("/events", "/events", headers: [.init("GS1-EPCIS-Version")!: "3.0"])
            try await get("/events", "/events?perPage=1", headers: [.init("GS1-EPC-Format")!: "Never_Translates"])
            try await get("/events", "/events", headers: [.init("GS1-EPC-Format")!: "Always_EPC_URN"])
            try await get("/events/{eventID}", "/events/urn:uuid:7c9e0c5e-1111-4b0a-9a9e-000000000001")
            try await get("/events/{eventID}", "/events/urn:uuid:00000000-0000-4000-8000-000000000000")
            try await get("/eventTypes", "/eventTypes")
            try await get("/eventTypes/{eventType}/events", "/eventTypes/ObjectEvent/events?perPage=1")
            try await get("/eventTypes/{eventType}/events", "/eventTypes/ObjectEvent/events?EQ_colour=red", refused: ["EQ_colour"])
            try await get("/eventTypes/{eventType}/events", "/eventTypes/ObjectEvent/events?perPage=1000000")
            try await get("/epcs/{epc}/events", "/epcs/\(item)/events")
            try await get("/bizSteps/{bizStep}/events", "/bizSteps/shipping/events?MATCH_epc=\(item)")
            try await get("/bizLocations/{bizLocation}/events", "/bizLocations/urn:epc:id:sgln:0614141.00888.0/events")
            try await get("/readPoints/{readPoint}/events", "/readPoints/urn:epc:id:sgln:0614141.07346.1234/events")
            try await get("/dispositions/{disposition}/events", "/dispositions/in_transit/events?GE_eventTime=yesterday")
            for body in [#"{"name":"shipped","query":{"EQ_bizStep":["shipping"],"eventType":["ObjectEvent"]}}"#, #"{"name":"shipped","query":{}}"#, #"{"name":"q","query":{"EQ_action":["MOVE"]}}"#] {
                let response = try await client.execute(uri: base + "/queries", method: .post, headers: auth, body: ByteBuffer(string: body))
                try exchanges.record("/queries", "/queries", method: "POST", body: body, response)
            }
            try await get("/queries", "/queries")
            try await get("/queries/{queryName}", "/queries/shipped")
            try await get("/queries/{queryName}", "/queries/unknown")
            try await get("/queries/{queryName}/events", "/queries/shipped/events?perPage=1")
            let deleted = try await client.execute(uri: base + "/queries/shipped", method: .delete, headers: auth)
            try exchanges.record("/queries/{queryName}", "/queries/shipped", method: "DELETE", deleted)
            return (exchanges.list.count, String(decoding: try JSONSerialization.data(withJSONObject: exchanges.list), as: UTF8.self))
        }
        #expect(count == 36)
        let run = try ReferencePython.run(
            Self.script, arguments: [try Vectors.url("epcis/rest/openapi.yaml").path, try Vectors.url("epcis/schema/EPCIS-JSON-Schema.json").path],
            input: input)
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines == [], "mismatches with GS1's binding")
    }
}
