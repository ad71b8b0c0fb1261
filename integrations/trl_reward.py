"""TRL reward functions (GRPOTrainer reward_funcs) backed by the webscale-rl reward server.

    from trl_reward import webscale_reward, webscale_reward_async
    trainer = GRPOTrainer(model=..., reward_funcs=[webscale_reward_async], train_dataset=ds, ...)

TRL passes every dataset column to reward functions as a keyword argument. The dataset needs a
"ground_truth" column (a string, or a list of accepted forms); "aliases", "question" and "ordered"
(the order flag of list answers), as `webscale-rl export --format trl` writes them, are used when
present: the question goes to the judge instead of the rendered prompt. One POST per call.
webscale_reward_async is for TRL releases that await async reward functions (0.26 and later).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webscale_reward_client import make_item, score_items, score_items_async  # noqa: E402


def _text(x):
    """A completion or prompt is a string, or (conversational) a list of {"role", "content"} messages."""
    if isinstance(x, list):
        if not x:
            return ""
        last = x[-1]
        return last.get("content", "") if isinstance(last, dict) else str(last)
    return "" if x is None else str(x)


def _column(values, i):
    return None if values is None else values[i]


def _items(prompts, completions, ground_truth, aliases, question, ordered):
    if ground_truth is None:
        raise ValueError('webscale_reward needs a "ground_truth" column in the training dataset')
    items = []
    for i, completion in enumerate(completions or []):
        q = _column(question, i)
        if not q and prompts is not None:
            q = _text(prompts[i])
        items.append(make_item(_text(completion), ground_truth[i], aliases=_column(aliases, i), question=q, ordered=_column(ordered, i)))
    return items


def webscale_reward(prompts=None, completions=None, ground_truth=None, aliases=None, question=None, ordered=None, **kwargs):
    items = _items(prompts, completions, ground_truth, aliases, question, ordered)
    return [float(x) for x in score_items(items)["scores"]] if items else []


async def webscale_reward_async(prompts=None, completions=None, ground_truth=None, aliases=None, question=None, ordered=None, **kwargs):
    items = _items(prompts, completions, ground_truth, aliases, question, ordered)
    return [float(x) for x in (await score_items_async(items))["scores"]] if items else []
