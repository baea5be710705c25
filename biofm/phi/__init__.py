"""PHI: rule recognisers, synthetic training notes, de-identification actions and held-out evaluation."""
