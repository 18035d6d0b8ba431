import Foundation
import Server
import ServerTestSupport
import Testing
import VectorSupport

@Suite("openapi.yaml")
struct OpenAPITests {
    /// openapi.yaml at the repository root.
    static let specification = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi.yaml")

    static let validatorAvailable = ReferencePython.canImport("openapi_spec_validator", "yaml")

    /// Validates the document with openapi-spec-validator (an independent implementation) and
    /// prints each documented operation as `METHOD /path`.
    static let script = """
        import sys
        from openapi_spec_validator import validate
        from openapi_spec_validator.readers import read_from_filename
        spec, _ = read_from_filename(sys.argv[1])
        validate(spec)
        for path, item in spec["paths"].items():
            for method in item:
                if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                    print(method.upper(), path)
        """

    @Test(
        "is a valid OpenAPI document that documents exactly the routes the router serves",
        .enabled(if: validatorAvailable || Vectors.required, "openapi-spec-validator is not installed; fails under CI=true"))
    func documentsEveryRoute() async throws {
        let run = try ReferencePython.run(Self.script, arguments: [Self.specification.path])
        #expect(run.status == 0, "\(run.error)")
        let documented = Set(run.lines)
        let served = try await withLiveServer { _, server, _ in
            Set(server.router().routes.map { "\($0.method.rawValue) \($0.path.description)" })
        }
        #expect(served.count >= 15, "the router lists its routes")
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }
}
