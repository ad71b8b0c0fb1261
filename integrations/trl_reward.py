"""TRL reward function (GRPOTrainer reward_funcs) backed by the webscale-rl reward server.

    from trl_reward import webscale_reward
    trainer = GRPOTrainer(model=..., reward_funcs=[webscale_reward], train_dataset=ds, ...)

The dataset needs a "ground_truth" column (a string, or a list of accepted forms); an optional
"aliases" column adds forms. TRL passes dataset columns as keyword arguments; one POST per call.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webscale_reward_client import score_items, split_ground_truth  # noqa: E402


def _text(x):
    """A completion or prompt is a string, or (conversational) a list of {"role", "content"} messages."""
    if isinstance(x, list):
        if not x:
            return ""
        last = x[-1]
        return last.get("content", "") if isinstance(last, dict) else str(last)
    return "" if x is None else str(x)


def webscale_reward(prompts=None, completions=None, ground_truth=None, aliases=None, **kwargs):
    completions = completions or []
    if ground_truth is None:
        raise ValueError('webscale_reward needs a "ground_truth" column in the training dataset')
    items = []
    for i, completion in enumerate(completions):
        answer, forms = split_ground_truth(ground_truth[i])
        if aliases is not None and aliases[i]:
            forms = forms + list(aliases[i])
        item = {"ground_truth": answer, "response": _text(completion), "aliases": forms}
        if prompts is not None:
            item["question"] = _text(prompts[i])
        items.append(item)
    return [float(x) for x in score_items(items)["scores"]]
