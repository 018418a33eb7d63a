"""``python -m offline_irsa``: serve the offline IRSA, or run notebooks against it."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline_irsa", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve SIA v1, IBE data and a Firefly stand-in until stopped")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    serve.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.add_argument("--fault", action="append", default=[], metavar="ROUTE:KIND[=VALUE][*TIMES]",
                       help="inject an outage, e.g. sia:status=503*2, cutout:hang, data:delay=5, data:truncate=1000, "
                            "sia:html, *:stop (repeatable; see offline_irsa/faults.py)")
    serve.add_argument("--exit-with-stdin", action="store_true",
                       help="stop when standard input closes (OfflineIRSA.spawn: the server goes when its parent does)")
    run = commands.add_parser("run", help="execute MyST notebooks end to end against the offline IRSA")
    run.add_argument("notebooks", nargs="*", default=["notebooks"], help="notebook files or folders")
    run.add_argument("--out", default="_build/executed", help="where executed .ipynb files go")
    run.add_argument("--live", action="store_true", help="use the real IRSA instead")
    run.add_argument("--cell-timeout", type=float, metavar="SECONDS",
                     help="seconds a cell may run before it is stopped (default: $OFFLINE_IRSA_CELL_TIMEOUT or 120)")
    lab = commands.add_parser("lab", help="start JupyterLab with the offline IRSA in place (workshops)")
    lab.add_argument("jupyter_args", nargs="*", help="passed on to jupyter lab (options too)")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    if args.command == "serve":
        from offline_irsa.faults import Fault
        from offline_irsa.server import OfflineIRSA, stop_when_stdin_closes

        try:
            injected = [Fault.parse(spec) for spec in args.fault]
        except ValueError as err:
            parser.error(str(err))
        server = OfflineIRSA(args.host, args.port, quiet=not args.verbose)
        for fault in injected:
            server.faults.add(fault)
            print(f"injecting {fault}", flush=True)
        if args.exit_with_stdin:
            stop_when_stdin_closes(server)
        print(server.describe(), "\nPress Ctrl+C to stop.", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        return 0
    if args.command == "lab":
        from offline_irsa.harness.lab import run_lab

        return run_lab(args.jupyter_args + extra)
    from offline_irsa.harness.run import run_notebooks

    return run_notebooks(args.notebooks, args.out, live=args.live, timeout=args.cell_timeout)


if __name__ == "__main__":
    sys.exit(main())
