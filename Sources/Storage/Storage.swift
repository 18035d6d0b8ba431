import Identity
