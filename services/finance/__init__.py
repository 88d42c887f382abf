"""财政 (finance): reviews budgets and plans, keeps the fiscal special account, allocates funds, pays
whistle-blower rewards.
"""
