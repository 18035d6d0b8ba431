/// The CBV 2.0 vocabularies as the EPCIS JSON binding writes them: bare words, which JSON-LD
/// expands to `https://ref.gs1.org/cbv/…` (or `https://gs1.org/voc/…` for the sensor vocabularies).
public enum CBVVocabulary: String, Sendable, Hashable, CaseIterable {
    case bizStep
    case disposition
    case bizTransactionType
    case sourceDestType
    case errorReason
    case component
    case sensorAlertType
    case measurementType

    /// The bare words of this vocabulary.
    public var words: Set<String> {
        switch self {
        case .bizStep: Self.bizStepWords
        case .disposition: Self.dispositionWords
        case .bizTransactionType: Self.bizTransactionTypeWords
        case .sourceDestType: Self.sourceDestTypeWords
        case .errorReason: Self.errorReasonWords
        case .component: Self.componentWords
        case .sensorAlertType: Self.sensorAlertTypeWords
        case .measurementType: Self.measurementTypeWords
        }
    }

    /// Business steps (`BizStep-…`).
    private static let bizStepWords: Set<String> = [
        "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning", "creating_class_instance",
        "cycle_counting", "decommissioning", "departing", "destroying", "disassembling", "dispensing", "encoding",
        "entering_exiting", "holding", "inspecting", "installing", "killing", "loading", "other", "packing",
        "picking", "receiving", "removing", "repackaging", "repairing", "replacing", "reserving", "retail_selling",
        "sampling", "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
        "transporting", "unloading", "unpacking", "void_shipping",
    ]

    /// Dispositions (`Disp-…`).
    private static let dispositionWords: Set<String> = [
        "active", "available", "completeness_verified", "completeness_inferred", "conformant", "container_closed",
        "container_open", "damaged", "destroyed", "dispensed", "disposed", "encoded", "expired", "in_progress",
        "in_transit", "inactive", "mismatch_instance", "mismatch_class", "mismatch_quantity", "needs_replacement",
        "no_pedigree_match", "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
        "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen", "unavailable",
        "unknown",
    ]

    /// Business transaction types (`BTT-…`).
    private static let bizTransactionTypeWords: Set<String> = [
        "bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma", "testprd", "testres",
        "upevt",
    ]

    /// Source/destination types (`SDT-…`).
    private static let sourceDestTypeWords: Set<String> = [
        "owning_party", "possessing_party", "location",
    ]

    /// Error declaration reasons (`ER-…`).
    private static let errorReasonWords: Set<String> = [
        "did_not_occur", "incorrect_data",
    ]

    /// Sensor report components (`Comp-…`).
    private static let componentWords: Set<String> = [
        "x", "y", "z", "axial_distance", "azimuth", "height", "spherical_radius", "polar_angle", "elevation_angle",
        "easting", "northing", "latitude", "longitude", "altitude",
    ]

    /// Sensor alert types (GS1 Web Vocabulary).
    private static let sensorAlertTypeWords: Set<String> = [
        "ALARM_CONDITION", "ERROR_CONDITION",
    ]

    /// Measurement types (GS1 Web Vocabulary `gs1:…`).
    private static let measurementTypeWords: Set<String> = [
        "AbsoluteHumidity", "AbsorbedDose", "AbsorbedDoseRate", "Acceleration", "Radioactivity", "Altitude",
        "AmountOfSubstance", "AmountOfSubstancePerUnitVolume", "Angle", "AngularAcceleration", "AngularMomentum",
        "AngularVelocity", "Area", "Capacitance", "Conductance", "Conductivity", "Count", "Density", "Dimensionless",
        "DoseEquivalent", "DoseEquivalentRate", "DynamicViscosity", "ElectricCharge", "ElectricCurrent",
        "ElectricCurrentDensity", "ElectricFieldStrength", "Energy", "Exposure", "Force", "Frequency", "Illuminance",
        "Inductance", "Irradiance", "KinematicViscosity", "Length", "LinearMomentum", "Luminance", "LuminousFlux",
        "LuminousIntensity", "MagneticFlux", "MagneticFluxDensity", "MagneticVectorPotential", "Mass",
        "MassConcentration", "MassFlowRate", "MassPerAreaTime", "MemoryCapacity", "MolalityOfSolute", "MolarEnergy",
        "MolarMass", "MolarVolume", "Power", "Pressure", "RadiantFlux", "RadiantIntensity", "RelativeHumidity",
        "Resistance", "Resistivity", "SolidAngle", "SpecificVolume", "Speed", "SurfaceDensity", "SurfaceTension",
        "Temperature", "Time", "Torque", "Voltage", "Volume", "VolumeFlowRate", "VolumeFraction", "VolumetricFlux",
        "Wavenumber",
    ]
}

extension CBVVocabulary {
    /// How a value fits this vocabulary.
    enum Fit {
        /// One of the bare words, or a URI of another vocabulary (the standard allows both).
        case valid
        /// A URI in a namespace the JSON binding writes as a bare word instead.
        case reservedURI
        /// Neither a word of the vocabulary nor a URI.
        case unknownWord
    }

    /// Whether `value` is a word of this vocabulary or a URI the JSON schema accepts in its place.
    func fit(_ value: String) -> Fit {
        if words.contains(value) { return .valid }
        guard EPCISFormat.isURI(value) else { return .unknownWord }
        let reserved: [String]
        switch self {
        case .measurementType, .sensorAlertType:
            reserved = ["http://gs1.org/voc/", "https://gs1.org/voc/", "http://www.gs1.org/voc/", "https://www.gs1.org/voc/"]
        default:
            reserved = ["urn:epcglobal:cbv", "http://ns.gs1.org/cbv/", "https://ns.gs1.org/cbv/"]
        }
        return reserved.contains(where: value.hasPrefix) ? .reservedURI : .valid
    }
}
