"""医保局 (healthcare security bureau): enforces against fund fraud, transfers cases to the police, refers
matters to other regulators, reviews budgets.
"""
