"""`flask registry …` and `flask seed …`: imports from the command line and the demo registry."""
