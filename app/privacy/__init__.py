"""Privacy: a user's rights (export, consent withdrawal, deletion), retention, and the rotation of the key that protects identifiers."""
