"""Console entry point. `serve` runs nameko, which needs eventlet to patch the process
before anything else imports sockets or threads, so that happens here, first."""

import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        import warnings

        warnings.filterwarnings("ignore", message="\nEventlet is deprecated", category=DeprecationWarning)
        import eventlet

        eventlet.monkey_patch()
    from shared.cli import app

    app()


if __name__ == "__main__":
    main()
