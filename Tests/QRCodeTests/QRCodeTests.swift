// Tests for the QRCode module.
