// Tests for the Readings module.
