"""Small helpers every layer may use (the bottom of the import layers): no models, no
imports of MotCua's apps."""
