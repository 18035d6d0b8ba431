import Credentials
import Synchronization

/// Remembers records that never change once stored (issued credentials, provisioned devices), so a
/// verification reads them from the store once. Bounded: when full, it starts over.
final class ImmutableRecords: Sendable {
    private struct Entries {
        var credentials: [String: Credential] = [:]
        var devices: [String: DeviceRecord] = [:]
        var serials: [String: DeviceRecord] = [:]
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

    func device(serial: String) -> DeviceRecord? { entries.withLock { $0.serials[serial] } }

    /// Remembers a device by id and, when it was found by its serial, by that serial too (a serial is
    /// unique only within an operator and GTIN, so only the serial search's own answer is kept).
    func remember(_ device: DeviceRecord, foundBySerial: Bool = false) {
        entries.withLock { entries in
            if entries.devices.count >= capacity {
                entries.devices.removeAll(keepingCapacity: true)
                entries.serials.removeAll(keepingCapacity: true)
            }
            entries.devices[device.id] = device
            if foundBySerial { entries.serials[device.serial] = device }
        }
    }
}
