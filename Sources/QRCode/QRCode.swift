// The QRCode module: filled by the passport issue (QR plates).
