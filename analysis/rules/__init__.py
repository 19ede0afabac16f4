"""Rules layer: the claims schema, the rulebook, the claim registry and their record."""
