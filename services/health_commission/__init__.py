"""卫健委 (health commission): regulates medical institutions and staff; answers referrals; reviews new
service items.
"""
