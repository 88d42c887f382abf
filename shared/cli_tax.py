"""`fundlink tax`, `fundlink center`, `fundlink sample`: the collection feed."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

tax_app = typer.Typer(help="Tax's push client for the monthly collection feed.", no_args_is_help=True)
center_app = typer.Typer(help="The handling center's registry.", no_args_is_help=True)
sample_app = typer.Typer(help="Synthetic sample data.", no_args_is_help=True)
console = Console(soft_wrap=True, stderr=True)


@tax_app.command("push")
def tax_push(
    feed: Path = typer.Argument(..., exists=True, dir_okay=False, help="The feed CSV (see docs/tax-feed.md)."),
    region: str = typer.Option(..., "--region", help="6-digit region code of the collecting tax office."),
    level: str = typer.Option("city", "--level", help="province, city or county."),
    treasury_code: str = typer.Option(..., "--treasury-code", help="Treasury that received the money."),
    feed_id: str = typer.Option(None, "--feed-id", help="Default: the file name without .csv."),
    period: str = typer.Option(None, "--period", help="YYYY-MM; default: the first line's period."),
    chunk_size: int = typer.Option(5000, "--chunk-size", min=1, max=20_000, help="Lines per message."),
    window: int = typer.Option(16, "--window", min=1, help="Messages in flight before waiting for confirms."),
    wait: float = typer.Option(300, "--wait", help="Seconds to wait for the center's answer (0: do not wait)."),
    manifest: Path = typer.Option(None, "--manifest", exists=True,
                                  help="JSON with line_count, lines_sha256 and lines (per-scheme totals) from "
                                       "tax's ledger, instead of the figures computed from the file."),
    amqp_uri: str = typer.Option(None, envvar="AMQP_URI"),
    key_dir: Path = typer.Option(None, "--key-dir", envvar="FUNDLINK_KEYS_DIR", help="Holds tax.key and *.pub."),
    drop_chunk: list[int] = typer.Option([], "--drop-chunk", hidden=True,
                                         help="Drill: lose this chunk on the way to see the center ask for it."),
):
    """Stream FEED to the center in signed chunks, resume after an interruption, show the answer."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from shared.config import settings_for
    from shared.push.client import FeedHeader, FeedPusher, PushError

    settings = settings_for("tax")
    header = FeedHeader(feed_id or feed.name.removesuffix(".csv"), region, level, treasury_code, period)
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=False) as bar:
        task = bar.add_task(f"pushing {header.feed_id}", total=None)
        pusher = FeedPusher(
            feed, header, amqp_uri=amqp_uri or settings.amqp_uri, keys_dir=key_dir or settings.keys_dir,
            chunk_size=chunk_size, window=window, drop=frozenset(drop_chunk),
            manifest=json.loads(manifest.read_text()) if manifest else None,
            progress=lambda done, total: bar.update(task, completed=done, total=total))
        try:
            report = pusher.push(wait_seconds=wait)
        except PushError as exc:
            console.print(f"[red]push stopped:[/red] {exc}\nrun the same command again to resume")
            raise typer.Exit(2) from exc
    _print_report(report)
    verdict = report.verdict or {}
    if wait and verdict.get("status") not in ("matched", "discrepancies"):
        raise typer.Exit(1)


def _print_report(report) -> None:
    console.print(f"feed {report.feed_id}: {report.line_count} lines in {report.chunk_count} chunks; "
                  f"{report.sent_chunks} sent now" + (f", resumed after chunk {report.resumed_after}"
                                                      if report.resumed_after else "")
                  + (f", {report.resent_chunks} sent again on the center's request" if report.resent_chunks else ""))
    if report.bad_count:
        console.print(f"[yellow]{report.bad_count} bad line(s) left out[/yellow], kept in {report.rejected_file}:")
        for line_no, reason in report.bad[:20]:
            console.print(f"  line {line_no}: {reason}")
    verdict = report.verdict
    if verdict is None:
        console.print("no answer from the center yet; it will reach tax's service (HO-02)")
        return
    colour = {"matched": "green", "discrepancies": "yellow"}.get(verdict["status"], "red")
    console.print(f"center: [{colour}]{verdict['status']}[/{colour}]"
                  + (f", {verdict.get('discrepancy_count', 0)} discrepancies" if "discrepancy_count" in verdict
                     else "") + (f": {verdict['reason']}" if verdict.get("reason") else ""))
    typer.echo(json.dumps(verdict, ensure_ascii=False))


@center_app.command("load-registry")
def center_load_registry(
    registry: Path = typer.Argument(..., exists=True, dir_okay=False,
                                    help="CSV: payer_kind,payer_id,scheme,region_code,insured_persons,monthly_due_fen"),
    url: str = typer.Option(None, "--url", help="The center's base URL (default: its local address)."),
):
    """Stream an enrollment registry file (参保登记) to the center; bad lines are listed, good ones load."""
    import requests

    from shared.auth import auth_headers
    from shared.config import settings_for

    base = url or f"http://{settings_for('hs_center').web_address}"
    with open(registry, "rb") as body:
        r = requests.post(f"{base}/registry.csv", data=body, timeout=3600,
                          headers={"Content-Type": "text/csv", **auth_headers("hs_center")})
    if r.status_code != 200:
        console.print(f"[red]the center answered {r.status_code}:[/red] {r.text}")
        raise typer.Exit(1)
    result = r.json()
    console.print(f"loaded {result['loaded']} registry line(s)")
    for bad in result["bad"][:20]:
        console.print(f"  [yellow]line {bad['line']}[/yellow]: {bad['reason']}")
    if result["bad_count"]:
        console.print(f"[yellow]{result['bad_count']} bad line(s) not loaded[/yellow]")
        raise typer.Exit(1)


@center_app.command("expect-feeds")
def center_expect_feeds(region: str, first_period: str = typer.Option(..., "--from", help="YYYY-MM"),
                        url: str = typer.Option(None, "--url")):
    """From a month on, the region owes the center a feed by each 5th; a missing one is overdue on the 6th."""
    import requests

    from shared.auth import auth_headers
    from shared.config import settings_for

    base = url or f"http://{settings_for('hs_center').web_address}"
    r = requests.post(f"{base}/feed-schedule", json={"region_code": region, "first_period": first_period},
                      headers=auth_headers("hs_center"), timeout=10)
    if r.status_code != 200:
        console.print(f"[red]the center answered {r.status_code}:[/red] {r.text}")
        raise typer.Exit(1)
    console.print(f"the center expects a monthly feed from {region} from {first_period} on")


@sample_app.command("tax-feed")
def sample_tax_feed(
    lines: int = typer.Option(10_000, "--lines", min=1, help="Feed lines to write."),
    seed: int = typer.Option(1, "--seed"),
    out: Path = typer.Option(Path("."), "--out", file_okay=False, help="Directory for the files."),
    period: str = typer.Option("2026-10", "--period"),
    planted: int = typer.Option(None, "--planted", help="Discrepancies of each kind (default: lines / 1000)."),
    bad_lines: int = typer.Option(0, "--bad-lines", help="Malformed lines to mix in (the push leaves them out)."),
):
    """Write feed-<seed>.csv and registry-<seed>.csv with a known set of planted discrepancies."""
    from shared.push.sample import write_sample

    out.mkdir(parents=True, exist_ok=True)
    sample = write_sample(out / f"feed-{seed}.csv", out / f"registry-{seed}.csv", lines=lines, seed=seed,
                          period=period, planted_per_kind=planted, bad_lines=bad_lines)
    console.print(f"wrote {sample.feed} ({sample.feed_lines} lines, {sample.bad_lines} malformed) and "
                  f"{sample.registry} ({sample.registry_lines} enrollments)")
    console.print("planted: " + ", ".join(f"{len(v)} {k}" for k, v in sample.planted.items())
                  + f" (list in {sample.feed.name}.planted.json)")
    console.print(f"next: fundlink center load-registry {sample.registry} && fundlink tax push {sample.feed} "
                  "--region 460000 --level province --treasury-code HK-0101")
