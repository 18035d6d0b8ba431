import Encoding

/// Inputs shaped like the real ones: a battery credential of about 2 KB, a signed-reading payload.
enum Fixtures {
    /// Deterministic pseudo-random bytes (xorshift), so runs are comparable.
    static func bytes(_ count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// A Device credential with Annex XIII-style attributes and an eddsa-jcs-2022 proof, about 2 KB.
    static let credential: JSONValue = [
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://voltpass.dev/contexts/battery/v1"],
        "id": "urn:uuid:3f1c8f0e-5a6b-4c2d-9e8f-0a1b2c3d4e5f",
        "type": ["VerifiableCredential", "BatteryDeviceCredential"],
        "issuer": "did:web:cells.example.com",
        "validFrom": "2026-11-21T08:30:00Z",
        "validUntil": "2036-11-21T08:30:00Z",
        "credentialSubject": [
            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "serial": "PK-2026-000123",
            "gs1DigitalLink": "https://id.example.com/01/09506000134352/21/PK-2026-000123",
            "model": "LFP-280Ah-Pack",
            "batteryCategory": "industrial",
            "chemistry": "LFP",
            "manufacturer": ["id": "did:web:cells.example.com", "name": "Example Cells GmbH", "gln": "4012345000009"],
            "manufacturingPlace": ["country": "DE", "site": "Plant 3, Line 7"],
            "manufacturingDate": "2026-11-20",
            "ratedCapacityAh": 280, "nominalVoltageV": 51.2, "minVoltageV": 40.0, "maxVoltageV": 58.4,
            "ratedEnergyKWh": 14.336, "originalPowerCapabilityW": 7168, "expectedLifetimeCycles": 6000,
            "capacityThresholdForExhaustionPercent": 70, "temperatureRangeIdleC": [-20, 55],
            "internalResistanceMilliOhm": 18.5, "roundTripEfficiencyPercent": 95.2,
            "weightKg": 112.4, "carbonFootprintKgCO2ePerKWh": 61.7,
            "hazardousSubstances": ["none above threshold"],
            "recycledContent": ["cobalt": 0, "lithium": 6.1, "nickel": 0, "lead": 0],
            "firmware": ["version": "3.4.1", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
            "bomHash": "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
            "warranty": ["start": "2026-11-21", "end": "2034-11-21", "cycles": 6000],
            "cells": [
                "urn:uuid:0a6f2a52-2d3c-4a4e-9d1b-8b7e6a5c4d3e", "urn:uuid:1b7a3b63-3e4d-4b5f-8e2c-9c8f7b6d5e4f",
                "urn:uuid:2c8b4c74-4f5e-4c60-9f3d-0d9a8c7e6f50", "urn:uuid:3d9c5d85-5061-4d71-8a4e-1eab9d8f7061",
            ],
        ],
        "credentialStatus": [
            "id": "https://cells.example.com/status/3#94567", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "94567",
            "statusListCredential": "https://cells.example.com/status/3",
        ],
        "proof": [
            "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "2026-11-21T08:30:00Z",
            "verificationMethod": "did:web:cells.example.com#key-1", "proofPurpose": "assertionMethod",
            "proofValue":
                "z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZme",
        ],
    ]

    /// A signed-reading payload: battery id, 32-byte challenge, state values, monotonic counter.
    static let reading: CBOR = [
        "urn:epc:id:sgtin:9506000.134352.PK-2026-000123",
        .bytes(bytes(32)),
        [1: 97.5, 2: 64.0, 3: 412, 4: 272.8, 5: 280.0, 6: 52.9, 7: -12.5, 8: 18.0, 9: 31.5, 10: 1402.75],
        4711,
    ]
}
