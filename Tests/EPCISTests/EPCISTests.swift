// Tests for the EPCIS module.
