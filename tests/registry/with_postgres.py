"""Runs a command with BERTH_TEST_POSTGRES_URI naming a fresh PostgreSQL server, then stops it.

    with_postgres.py COMMAND [ARGS...]

ctest runs the registry's gtest binary through this. When the server cannot start, the
command still runs without the variable (its PostgreSQL cases skip) unless CI=true, where
that is a failure.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from postgres_server import PostgresServer, in_ci  # noqa: E402


def main(argv):
    if len(argv) < 2:
        print("usage: with_postgres.py COMMAND [ARGS...]", file=sys.stderr)
        return 2
    env = dict(os.environ)
    server = None
    try:
        server = PostgresServer().start()
        env["BERTH_TEST_POSTGRES_URI"] = server.uri
    except (RuntimeError, OSError, KeyError) as e:
        if in_ci():
            print(f"with_postgres: PostgreSQL did not start (CI=true, failing): {e}",
                  file=sys.stderr)
            return 1
        print(f"with_postgres: PostgreSQL did not start; its cases will skip: {e}",
              file=sys.stderr)
    try:
        return subprocess.call(argv[1:], env=env)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
