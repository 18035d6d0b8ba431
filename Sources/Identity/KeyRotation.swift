import Foundation

/// Key rotation that keeps history (REQ-NF05): the current key is retired, not removed, so
/// credentials it signed while valid keep verifying against the DID document.
public enum KeyRotation {
    /// The records after making `newKey` the current key of `controller` at `date`: every current
    /// record gets `validUntil = date`, and a record for the new key is appended with the next free id
    /// `<controller>#key-<n>` (`#key-1` for the first key). Nothing else changes, so ids are stable.
    ///
    /// Throws `invalidKeyHistory` when a record belongs to another controller, when `date` is not
    /// after the validFrom of a key it would retire, or when the new key is already in the history.
    public static func rotate(
        _ records: [KeyRecord], controller: String, to newKey: any Signer, at date: Date, secretLocation: String? = nil
    ) throws(IdentityError) -> [KeyRecord] {
        let multikey: String
        do {
            multikey = try PublicKey(algorithm: newKey.algorithm, rawRepresentation: newKey.publicKey).multikey
        } catch {
            throw IdentityError(.invalidKeyHistory, "the new key is not a valid \(newKey.algorithm.rawValue) key: \(error.message)")
        }
        var updated = records
        var highest = 0
        for index in updated.indices {
            let record = updated[index]
            guard record.controller == controller else {
                throw IdentityError(.invalidKeyHistory, "key \(record.id) belongs to \(record.controller), not \(controller)")
            }
            guard record.publicKeyMultibase != multikey else {
                throw IdentityError(.invalidKeyHistory, "the new key is already in the history as \(record.id)")
            }
            if let number = keyNumber(record.id, controller: controller) { highest = max(highest, number) }
            if record.validUntil == nil {
                guard date > record.validFrom else {
                    throw IdentityError(.invalidKeyHistory, "cannot retire \(record.id) at or before it became valid")
                }
                updated[index].validUntil = date
            }
        }
        updated.append(
            KeyRecord(
                id: "\(controller)#key-\(highest + 1)", controller: controller, algorithm: newKey.algorithm,
                publicKeyMultibase: multikey, validFrom: date, secretLocation: secretLocation))
        return updated
    }

    /// n for an id `<controller>#key-n`.
    private static func keyNumber(_ id: String, controller: String) -> Int? {
        let prefix = controller + "#key-"
        guard id.hasPrefix(prefix) else { return nil }
        return Int(id.dropFirst(prefix.count))
    }
}
