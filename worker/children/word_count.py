#!/usr/bin/env python3
"""A Forkyard child in Python: proof that any executable speaking the protocol can run jobs.

Protocol (README "A child in another language"): one JSON object per line. Write {"kind": "ready"} once,
then for each {"kind": "request", "id", "type", "input"} on stdin write any number of
{"kind": "progress", "id", "percent", "message"} and exactly one {"kind": "result", "id", "result"}
or {"kind": "error", "id", "code", "message"} on stdout. Logs go to stderr only. Exit when stdin
closes.

Job type "word-count": input {"text": str} -> result {"lines", "words", "characters"}.
"""
import json
import os
import sys


def send(frame):
    sys.stdout.write(json.dumps(frame, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def word_count(input_):
    text = input_.get("text") if isinstance(input_, dict) else None
    if not isinstance(text, str):
        raise ValueError("input.text must be a string")
    return {"lines": len(text.splitlines()), "words": len(text.split()), "characters": len(text)}


def main():
    send({"kind": "ready", "pid": os.getpid()})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        rid = request.get("id")
        if request.get("type") != "word-count":
            send({"kind": "error", "id": rid, "code": "UNKNOWN_TYPE", "message": "no handler for " + str(request.get("type"))})
            continue
        try:
            send({"kind": "progress", "id": rid, "percent": 0, "message": "counting"})
            send({"kind": "result", "id": rid, "result": word_count(request.get("input"))})
        except ValueError as e:
            send({"kind": "error", "id": rid, "code": "INVALID_INPUT", "message": str(e)})
        print("word-count: answered " + str(rid), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
