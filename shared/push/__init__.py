"""Tax's push client for the monthly collection feed (征缴数据, HO-01), for integrators.

Plain pika, no nameko: `feedfile` reads and checks the CSV, `client` streams it to the
center in signed chunks with publisher confirms and resumes after an interruption,
`sample` writes synthetic feeds and registries. See docs/tax-feed.md.
"""
