// The EPCIS module: filled by its own issue; the dependency direction is set in Package.swift.
