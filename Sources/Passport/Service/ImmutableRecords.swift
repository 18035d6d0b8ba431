import Credentials
import Synchronization

/// Remembers records that never change once stored (issued credentials, provisioned devices), so a
/// verification reads them from the store once. Bounded: when full, it starts over.
final class ImmutableRecords: Sendable {
    private struct Entries {
        var credentials: [String: Credential] = [:]
        var devices: [String: DeviceRecord] = [:]
    }

    private let capacity: Int
    private let entries = Mutex(Entries())

    init(capacity: Int = 50_000) {
        self.capacity = max(1, capacity)
    }

    func credential(_ id: String) -> Credential? { entries.withLock { $0.credentials[id] } }

    func remember(_ credential: Credential, id: String) {
        entries.withLock { entries in
            if entries.credentials.count >= capacity { entries.credentials.removeAll(keepingCapacity: true) }
            entries.credentials[id] = credential
        }
    }

    func device(id: String) -> DeviceRecord? { entries.withLock { $0.devices[id] } }

    /// Remembers a device by id (never by serial: a serial may be provisioned again under another GTIN,
    /// which makes it ambiguous from then on).
    func remember(_ device: DeviceRecord) {
        entries.withLock { entries in
            if entries.devices.count >= capacity { entries.devices.removeAll(keepingCapacity: true) }
            entries.devices[device.id] = device
        }
    }
}
