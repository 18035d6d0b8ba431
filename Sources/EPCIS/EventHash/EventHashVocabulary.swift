/// The CBV 2.0 and GS1 Web Vocabulary terms that EPCIS JSON writes as bare strings, by the field that
/// carries them (the `@type: @vocab` terms of the EPCIS 2.0 JSON-LD context), with the IRI each expands to.
/// The Event Hash ID hashes the expanded IRI, so `receiving` becomes
/// `https://ref.gs1.org/cbv/BizStep-receiving`.
enum EventHashVocabulary {
    /// A vocabulary: the IRI prefix and the bare terms under it.
    struct Vocabulary: Sendable {
        let prefix: String
        let terms: Set<String>

        /// The IRI of a bare term, if it is one of this vocabulary's terms.
        func expand(_ term: String) -> String? { terms.contains(term) ? prefix + term : nil }
    }

    static let bizStep = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/BizStep-",
        terms: ["accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
            "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
            "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting", "installing",
            "killing", "loading", "other", "packing", "picking", "receiving", "removing", "repackaging", "repairing",
            "replacing", "reserving", "retail_selling", "sampling", "sensor_reporting", "shipping",
            "staging_outbound", "stock_taking", "stocking", "storing", "transporting", "unloading", "unpacking",
            "void_shipping"])
    static let disposition = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/Disp-",
        terms: ["active", "available", "completeness_inferred", "completeness_verified", "conformant",
            "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed", "encoded",
            "expired", "in_progress", "in_transit", "inactive", "mismatch_class", "mismatch_instance",
            "mismatch_quantity", "needs_replacement", "no_pedigree_match", "non_conformant", "non_sellable_other",
            "partially_dispensed", "recalled", "reserved", "retail_sold", "returned", "sellable_accessible",
            "sellable_not_accessible", "stolen", "unavailable", "unknown"])
    static let bizTransactionType = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/BTT-",
        terms: ["bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma", "testprd",
            "testres", "upevt"])
    static let sourceDestinationType = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/SDT-",
        terms: ["location", "owning_party", "possessing_party"])
    static let errorReason = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/ER-",
        terms: ["did_not_occur", "incorrect_data"])
    static let component = Vocabulary(
        prefix: "https://ref.gs1.org/cbv/Comp-",
        terms: ["altitude", "axial_distance", "azimuth", "easting", "elevation_angle", "height", "latitude",
            "longitude", "northing", "polar_angle", "spherical_radius", "x", "y", "z"])
    static let sensorAlertType = Vocabulary(
        prefix: "https://gs1.org/voc/",
        terms: ["ALARM_CONDITION", "ERROR_CONDITION"])
    static let measurementType = Vocabulary(
        prefix: "https://gs1.org/voc/",
        terms: ["AbsoluteHumidity", "AbsorbedDose", "AbsorbedDoseRate", "Acceleration", "Altitude",
            "AmountOfSubstance", "AmountOfSubstancePerUnitVolume", "Angle", "AngularAcceleration", "AngularMomentum",
            "AngularVelocity", "Area", "Capacitance", "Conductance", "Conductivity", "Count", "Density",
            "Dimensionless", "DoseEquivalent", "DoseEquivalentRate", "DynamicViscosity", "ElectricCharge",
            "ElectricCurrent", "ElectricCurrentDensity", "ElectricFieldStrength", "Energy", "Exposure", "Force",
            "Frequency", "Illuminance", "Inductance", "Irradiance", "KinematicViscosity", "Length", "LinearMomentum",
            "Luminance", "LuminousFlux", "LuminousIntensity", "MagneticFlux", "MagneticFluxDensity",
            "MagneticVectorPotential", "Mass", "MassConcentration", "MassFlowRate", "MassPerAreaTime",
            "MemoryCapacity", "MolalityOfSolute", "MolarEnergy", "MolarMass", "MolarVolume", "Power", "Pressure",
            "RadiantFlux", "RadiantIntensity", "Radioactivity", "RelativeHumidity", "Resistance", "Resistivity",
            "SolidAngle", "SpecificVolume", "Speed", "SurfaceDensity", "SurfaceTension", "Temperature", "Time",
            "Torque", "Voltage", "Volume", "VolumeFlowRate", "VolumeFraction", "VolumetricFlux", "Wavenumber"])
}
