"""医保中心 (medical-insurance handling center): keeps the enrollment registry,
reconciles tax's collection feeds, compiles budgets and plans, settles claims.

A service of its own, not a part of healthcare_security: the boundary tables name it
as a separate party with its own duties and its own signature (HO-08, HO-36, HO-39
cross between the two), and its volume work (feeds, settlements) scales apart from
the bureau's case work.
"""
