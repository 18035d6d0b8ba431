import Encoding
import Hummingbird
import Storage

/// `GET /health`: the instance is up and its store answers.
struct HealthRoutes {
    let store: any VoltpassStore
    let storageKind: String
    let operatorDID: String

    func add(to router: Router<VoltpassRequestContext>) {
        router.get("health") { _, _ -> Response in
            let version = try await store.schemaVersion()
            let body: JSONValue = [
                "status": "ok", "storage": .string(storageKind), "schemaVersion": .number(Double(version)),
                "did": .string(operatorDID),
            ]
            return .json(body)
        }
    }
}
