"""verl custom reward function backed by the webscale-rl reward server.

In the verl config:
    custom_reward_function.path=/path/to/integrations/verl_reward.py
    custom_reward_function.name=compute_score          # one call per sample (naive reward manager)
  or, with reward_model.reward_manager=batch:
    custom_reward_function.name=compute_score_batch    # one POST per batch
The question is read from extra_info["question"] and extra forms of the answer from
extra_info["aliases"] when the dataset stores them there (as `webscale-rl export --format verl` does).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webscale_reward_client import score_items, split_ground_truth  # noqa: E402


def _item(solution_str, ground_truth, extra_info):
    answer, aliases = split_ground_truth(ground_truth)
    item = {"ground_truth": answer, "response": solution_str, "aliases": aliases}
    if isinstance(extra_info, dict):
        if isinstance(extra_info.get("question"), str):
            item["question"] = extra_info["question"]
        # `webscale-rl export --format verl` keeps the accepted alternative forms in extra_info.aliases.
        extra_aliases = extra_info.get("aliases")
        if extra_aliases is not None:
            item["aliases"] = aliases + [str(a) for a in extra_aliases if a]
    return item


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    return float(score_items([_item(solution_str, ground_truth, extra_info)])["scores"][0])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    extra_infos = extra_infos or [None] * len(solution_strs)
    items = [_item(s, g, e) for s, g, e in zip(solution_strs, ground_truths, extra_infos)]
    return [float(x) for x in score_items(items)["scores"]]
