"""Minimal client for the webscale-rl reward server (stdlib only).

Set WEBSCALE_RL_REWARD_URL (default http://127.0.0.1:8000) to where
`webscale-rl reward serve` listens. One POST /score per call, whatever the batch size.
"""
import asyncio
import json
import os
import time
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000"


def _url():
    return os.environ.get("WEBSCALE_RL_REWARD_URL", DEFAULT_URL).rstrip("/")


def split_ground_truth(ground_truth):
    """A ground truth may be a string or a list of accepted forms (the first is the answer)."""
    if isinstance(ground_truth, (list, tuple)):
        forms = [str(g) for g in ground_truth]
        return (forms[0] if forms else ""), forms[1:]
    return str(ground_truth), []


def make_item(response, ground_truth, aliases=None, question=None, ordered=None):
    """One /score item: the answer and its accepted forms, the question, and the order flag of list answers."""
    answer, forms = split_ground_truth(ground_truth)
    item = {"ground_truth": answer, "response": "" if response is None else str(response), "aliases": forms + [str(a) for a in (aliases or []) if a]}
    if isinstance(question, str) and question:
        item["question"] = question
    # Parquet readers give numpy booleans, and NaN or None for a missing flag.
    if ordered is not None and ordered == ordered and not isinstance(ordered, str):
        item["ordered"] = bool(ordered)
    return item


def score_items(items, timeout=None, attempts=None):
    """POST items ([{question?, ground_truth, response, aliases?, ordered?}]) to /score; returns the response JSON.

    A full server queue (503) and a failing judge (502) are retried after a pause; when they persist,
    or on any other error, this raises with the server's message: a failed judge never becomes a 0 reward.
    """
    timeout = float(timeout or os.environ.get("WEBSCALE_RL_REWARD_TIMEOUT", "300"))
    attempts = int(attempts or os.environ.get("WEBSCALE_RL_REWARD_ATTEMPTS", "8"))
    body = json.dumps({"items": items}).encode("utf-8")
    for attempt in range(attempts):
        req = urllib.request.Request(_url() + "/score", data=body, headers={"content-type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace")
            if err.code in (502, 503) and attempt + 1 < attempts:
                time.sleep(min(float(err.headers.get("retry-after") or 1) * (attempt + 1), 30))
                continue
            raise RuntimeError("reward server %s answered %d: %s" % (_url(), err.code, detail)) from None
        except urllib.error.URLError as err:
            if attempt + 1 < attempts:
                time.sleep(min(2 ** attempt, 10))
                continue
            raise RuntimeError("reward server %s unreachable: %s" % (_url(), err.reason)) from None
    raise RuntimeError("reward server %s: still busy or its judge still failing after %d attempts" % (_url(), attempts))


async def score_items_async(items, timeout=None, attempts=None):
    """score_items without blocking the event loop (for async reward functions)."""
    return await asyncio.to_thread(score_items, items, timeout, attempts)
