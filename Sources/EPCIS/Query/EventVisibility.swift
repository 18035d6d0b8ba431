import Encoding

/// Which captured events a caller without a token may read, by the access groups of the battery
/// regulation (Art. 77(2), Annex XIII) that the passport's attributes follow.
///
/// An event is public when it says only what a passport shows everyone: what (the identifiers and
/// quantities), when, where (read point, business location), why (business step, disposition,
/// action) and its own identity and corrections. An event that names parties (`sourceList`,
/// `destinationList`: owners and possessors are legitimate-interest attributes), business
/// transactions (`bizTransactionList`), sensor data (`sensorElementList`: state of health and usage
/// are legitimate-interest attributes), lot master data (`ilmd`) or any extension member is not
/// public: it is read with a token acting for the operator that signed it.
public enum EventVisibility {
    /// The members a public event may have.
    public static let publicMembers: Set<String> = [
        "@context", "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "certificationInfo", "errorDeclaration",
        "epcList", "parentID", "childEPCs", "inputEPCList", "outputEPCList", "quantityList", "childQuantityList", "inputQuantityList",
        "outputQuantityList", "action", "transformationID", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation",
    ]

    /// Whether everyone may read `event`: every member is one of ``publicMembers``, and the read point,
    /// business location and error declaration carry no extension of their own.
    public static func isPublic(_ event: JSONObject) -> Bool {
        guard event.keys.allSatisfy(publicMembers.contains) else { return false }
        for location in ["readPoint", "bizLocation"] {
            if let object = event[location]?.objectValue, object.keys.contains(where: { $0 != "id" }) { return false }
        }
        if let declaration = event["errorDeclaration"]?.objectValue,
            declaration.keys.contains(where: { !["declarationTime", "reason", "correctiveEventIDs"].contains($0) })
        {
            return false
        }
        return true
    }
}
