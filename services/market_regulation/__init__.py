"""市场监管 (market regulation): drug circulation, pharmacies and health-sector prices; answers referrals."""
