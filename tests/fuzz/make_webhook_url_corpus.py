#!/usr/bin/env python3
"""Writes the seed corpus of webhook_url_fuzzer: webhook URLs as `berth serve --alert-webhook`
takes them (http and https, names, IPv4 and IPv6 addresses, ports, paths and queries) and
refusals (another scheme, user info, a fragment, a bad port, spaces, no host), plus damaged
copies (truncated, bit-flipped). Deterministic. Usage: make_webhook_url_corpus.py [OUT_DIR]
"""
import os
import random
import sys

from corpus_util import write_seed

HERE = os.path.dirname(os.path.abspath(__file__))

URLS = {
    "plain": "http://hooks.example.com/alert",
    "tls_port": "HTTPS://Hooks.Example.com:8443/a/b?x=1&y=2",
    "query_only": "http://127.0.0.1?x=1",
    "ipv6": "http://[::1]:9000/hook",
    "ipv6_no_port": "https://[fe80::1%25eth0]",
    "zero_port": "http://a:0/",
    "big_port": "http://a:65536/",
    "signed_port": "http://a:+80/",
    "empty_port": "http://a:/",
    "user": "http://user:pw@a/",
    "fragment": "http://a/#x",
    "scheme": "ftp://a/",
    "space": "http://a /",
    "no_host": "http:///x",
    "brackets": "http://[]:80/",
    "unclosed": "http://[::1/",
    "after_bracket": "http://[::1]x/",
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "webhook_url_corpus")
    rnd = random.Random(11)
    for name, url in URLS.items():
        write_seed(out, name, url.encode(), rnd)


if __name__ == "__main__":
    main()
