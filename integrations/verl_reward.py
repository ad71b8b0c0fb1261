"""verl custom reward functions backed by the webscale-rl reward server.

verl's reward loop (current releases; keys under `reward.`):
    reward.custom_reward_function.path=/path/to/integrations/verl_reward.py
    reward.custom_reward_function.name=compute_score_async     # async: samples scored concurrently
Older verl (0.4-0.6, top-level keys):
    custom_reward_function.path=/path/to/integrations/verl_reward.py
    custom_reward_function.name=compute_score                  # one call per sample (naive manager)
  or, with reward_model.reward_manager=batch:
    custom_reward_function.name=compute_score_batch            # one POST per batch

compute_score and compute_score_async return {"score": ..., "rule_decided": 0|1, "judge_decided": 0|1};
verl uses "score" as the reward and logs the rest. The question, the accepted alternative forms and
the order flag of list answers are read from extra_info["question"], ["aliases"] and ["ordered"]
(as `webscale-rl export --format verl` writes them).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webscale_reward_client import make_item, score_items, score_items_async  # noqa: E402


def _item(solution_str, ground_truth, extra_info):
    info = extra_info if isinstance(extra_info, dict) else {}
    aliases = info.get("aliases")
    return make_item(solution_str, ground_truth, aliases=list(aliases) if aliases is not None else None, question=info.get("question"), ordered=info.get("ordered"))


def _result(detail):
    by = detail.get("decided_by")
    return {"score": float(detail["score"]), "rule_decided": int(by not in ("judge", "none")), "judge_decided": int(by == "judge")}


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    return _result(score_items([_item(solution_str, ground_truth, extra_info)])["details"][0])


async def compute_score_async(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    return _result((await score_items_async([_item(solution_str, ground_truth, extra_info)]))["details"][0])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    extra_infos = extra_infos or [None] * len(solution_strs)
    items = [_item(s, g, e) for s, g, e in zip(solution_strs, ground_truths, extra_infos)]
    return [float(x) for x in score_items(items)["scores"]]
